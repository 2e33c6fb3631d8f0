import Foundation
import Hummingbird
import PortalApplication
import PortalDomain

/// Onboarding over HTTP: procurement imports organisations, contracts and services, service brokerage clients'
/// current care orders, from the CSV files `portal import reference-data` reads — all or nothing, every problem
/// by file, row and column; `dryRun` counts what would be new, unchanged or refused and writes nothing.
struct ReferenceDataRoutes {
    let api: PortalAPI

    /// Largest import request: the files travel as JSON strings.
    static let maximumRequestBytes = 48 << 20
    /// Most files in one import.
    static let maximumFiles = 20

    struct ImportRequest: Decodable {
        var files: [File]
        var dryRun: Bool?
        var reason: String?

        struct File: Decodable {
            var name: String
            /// The CSV text (UTF-8).
            var content: String
        }
    }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/reference-data/imports") { request, context in try await importFiles(request, context) }
    }

    func importFiles(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        // Only those who may import anything get the larger body limit: the others are refused before it is read.
        let actor = try context.requireActor()
        guard Authorisation.allows(actor, ReferenceDataKind.organisations.requiredPermission, organisation: nil)
            || Authorisation.allows(actor, ReferenceDataKind.careOrders.requiredPermission, organisation: nil)
        else {
            try Authorisation.check(actor, ReferenceDataKind.organisations.requiredPermission, organisation: nil)
            return Reply(status: .forbidden)
        }
        var context = context
        context.maxUploadSize = max(context.maxUploadSize, Self.maximumRequestBytes)
        return try await api.write(request, context, command: "import-reference-data") { write in
            let body = try write.decode(ImportRequest.self)
            guard (1...Self.maximumFiles).contains(body.files.count) else {
                throw Problem.invalid("files: give 1 to \(Self.maximumFiles) CSV files", field: "files")
            }
            for (index, file) in body.files.enumerated() {
                _ = try parsed { try TextInput.required(file.name, field: "files[\(index)].name", maximumLength: 200) }
            }
            let reason = try parsed { try TextInput.optional(body.reason, field: "reason", maximumLength: 1000) } ?? Portal.defaultOnboardingReason
            let data = ReferenceData.parse(files: body.files.map { ($0.name, Data($0.content.utf8)) }, today: api.today)
            let report = try await api.portal.importReferenceData(data, reason: reason, dryRun: body.dryRun ?? false, write.command())
            guard report.problems.isEmpty else {
                throw Problem(
                    .unprocessableContent, kind: "import-rejected", title: "The files were not imported",
                    detail: "nothing was written; \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") by file, row and column",
                    errors: report.problems.map { ProblemField(field: $0.column, row: $0.row, file: $0.file, message: $0.message, rule: $0.rule) })
            }
            return try api.json(ReferenceDataImportView(report), status: report.written ? .created : .ok)
        }
    }
}

/// What an import found: per kind, new, unchanged and refused records; whether it wrote them.
struct ReferenceDataImportView: Encodable {
    var dryRun: Bool
    var written: Bool
    var alreadyImported: Bool
    var events: Int
    var newCPLIs: Int
    var counts: [String: ReferenceDataReport.Counts]

    init(_ report: ReferenceDataReport) {
        dryRun = report.dryRun
        written = report.written
        alreadyImported = report.isAlreadyImported
        events = report.events
        newCPLIs = report.newCPLIs
        counts = report.counts
    }
}
