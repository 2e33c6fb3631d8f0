import ChildProcess
import Chronology
import Foundation
import PortalDomain
import Testing

/// Every registered event type has a JSON Schema, every schema a type, and a sample of each type validates
/// against its schema in an independent validator (Python's jsonschema, Draft 2020-12, format checking).
@Suite("Event schemas")
struct EventSchemaTests {
    typealias F = Fixture
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let schemas = repository.appendingPathComponent("Schemas/events")
    static let validator = repository.appendingPathComponent("tools/validate-event-schemas.py")

    static let at = Timestamp(iso8601: "2026-11-25T09:30:00.000125Z")!
    static let details = ContactDetails(name: "Oasis Care and Support", addressLines: ["1 Oasis Street", "Ipswich"], postcode: "IP1 2TN",
                                        telephone: "01473 225566", email: "office@oasis.example")
    static let person = Person(title: "Mr", forename: "John", surname: "Smith", email: "jsmith@testsystem.co.uk", mobile: "07726 022369")
    static let visit = AbortedVisit(date: Fixture.date("2026-11-17"), length: Fixture.q("0.75"), noticeHours: Fixture.q("2"), time: .day, cause: .cancelled)

    /// One sample of every event type, keyed by type name.
    static let samples: [any EventPayload] = paymentDocumentSamples + [
        OrganisationRegistered(organisationID: "oasis", details: details),
        OrganisationDetailsChangeRequested(organisationID: "oasis", requestID: "cr-1", proposed: details),
        OrganisationDetailsChangeAccepted(organisationID: "oasis", requestID: "cr-1", details: details),
        OrganisationDetailsChangeRejected(organisationID: "oasis", requestID: "cr-1", reason: "postcode is wrong"),
        ContractRegistered(contractID: "k-1", organisationID: "oasis", name: "Home support 2015", contractType: .block2015Framework,
                           paymentBasis: .invoiced, startDate: F.date("2026-01-05"), endDate: F.date("2028-01-02")),
        ServiceRegistered(serviceID: "oasis-home-support", organisationID: "oasis", contractID: "k-1", details: details, startDate: F.date("2026-11-16")),
        ServiceDetailsChangeRequested(serviceID: "s-1", requestID: "cr-2", proposed: details),
        ServiceDetailsChangeAccepted(serviceID: "s-1", requestID: "cr-2", details: details),
        ServiceDetailsChangeRejected(serviceID: "s-1", requestID: "cr-2", reason: "duplicate request"),
        ContactCreationRequested(userID: "u-7", organisationID: "oasis", requestID: "cr-3", person: person, role: .superUserActuals),
        ContactCreationAccepted(userID: "u-7", requestID: "cr-3"),
        ContactCreationRejected(userID: "u-7", requestID: "cr-3", reason: "not an employee"),
        ContactAmendRequested(userID: "u-7", requestID: "cr-4", person: person, role: .readOnly),
        ContactAmendAccepted(userID: "u-7", requestID: "cr-4", person: person, role: .readOnly),
        ContactAmendRejected(userID: "u-7", requestID: "cr-4", reason: "role not allowed"),
        ContactRoleRemovalRequested(userID: "u-7", requestID: "cr-5"),
        ContactRoleRemovalAccepted(userID: "u-7", requestID: "cr-5", at: at),
        ContactRoleRemovalRejected(userID: "u-7", requestID: "cr-5", reason: "still employed"),
        CouncilUserRegistered(userID: "c-1", person: person, team: .zInformationMessaging, reason: "first helpdesk user of the deployment"),
        AuditorRegistered(userID: "a-1", person: Person(forename: "Ada", surname: "Audit", email: "ada@council.example")),
        FirstPasswordIssued(userID: "u-7", at: at),
        LoginSucceeded(userID: "u-7", at: at),
        LoginFailed(userID: "u-7", at: at, consecutiveFailures: 2),
        AccountLocked(userID: "u-7", at: at, failedAttempts: 3),
        PasswordChanged(userID: "u-7", at: at, expiresOn: F.date("2027-11-25")),
        PasscodeSet(userID: "u-7", at: at),
        AccountSuspended(userID: "u-7", at: at, lastUsedOn: F.date("2026-09-26"), unusedDays: 60),
        AccountReactivated(userID: "u-7", at: at),
        PasswordResetByHelpdesk(userID: "u-7", at: at),
        ISOPublished(isoID: "iso-1", organisationID: "oasis", serviceID: "s-1", clientReference: "C1001", clientName: "Ann Example", cpliIDs: ["cpli-1", "cpli-2"]),
        ISOAgreed(isoID: "iso-1", cpliIDs: ["cpli-1", "cpli-2"]),
        ISORejected(isoID: "iso-1", reason: "the rate is wrong"),
        ISOAgreementRecorded(isoID: "iso-1", cpliIDs: ["cpli-1", "cpli-2"], reason: "agreed in the council's earlier system before go-live"),
        JobKeyIssued(keyID: "jk-0123456789abcdef", job: "nightly-remittances", scope: .remittancesRegenerate, expiresOn: F.date("2027-11-25"),
                     purpose: "fetches each remittance for the finance system"),
        JobKeyRevoked(keyID: "jk-0123456789abcdef", reason: "the finance system moved to a new key"),
        CPLICommissioned(definition: {
            var definition = F.definition("cpli-2", planned: "7.5", end: "2026-11-19")
            definition.temporaryOf = "cpli-1"
            return definition
        }()),
        CPLIActivated(cpliID: "cpli-1", isoID: "iso-1"),
        CPLIListed(serviceID: "s-1", cpliID: "cpli-1", organisationID: "oasis"),
        ActualRecorded(serviceID: "s-1", period: PeriodNumber(9), cpliID: "cpli-1", week: try! Week.parse("2026-11-16"), planned: F.q("4.2857"),
                       isProRata: true, actual: F.q("5"), frustrated: F.q("0.5"), missed: .zero, extra: F.q("3.5"), visits: 4,
                       comment: "Aborted 17/11|INV001", invoiceReference: "INV001",
                       abortedVisits: [AbortedVisitClaim(visit: visit, claimable: F.q("0.5"), basis: "spot-old-block: at most 30 minutes")],
                       paidQuantity: F.q("9"), flags: [.overException], source: .import, importID: "imp-1"),
        WeekConfirmed(serviceID: "s-1", period: PeriodNumber(9), week: try! Week.parse("2026-11-16")),
        PeriodLocked(serviceID: "s-1", period: PeriodNumber(9), invoiceID: "inv-9"),
        NextPeriodOpened(serviceID: "s-1", period: PeriodNumber(9), invoiceID: "inv-9", reason: .held),
        PeriodReopened(serviceID: "s-1", period: PeriodNumber(9), invoiceID: "inv-9"),
        DeploymentConfigured(policy: "lancashire", periodAnchor: F.date("2026-04-06"), reason: "go-live"),
        ActualsFileImported(importID: "imp-1", organisationID: "oasis", period: PeriodNumber(9),
                            sha256: String(repeating: "ab", count: 32), contentSHA256: String(repeating: "cd", count: 32),
                            fileName: "actuals-p9.csv", rows: 12, linesRecorded: 3),
    ]

    static func name(_ type: any EventPayload.Type) -> String { "\(type.eventType).v\(type.schemaVersion)" }

    @Test("every registered event type has one sample and one schema file, and every schema a registered type")
    func coverage() throws {
        let registered = Set(EventRegistry.payloadTypes.map { Self.name($0) })
        let sampled = Set(Self.samples.map { Self.name(type(of: $0)) })
        #expect(sampled.count == Self.samples.count, "a type has two samples")
        #expect(registered.subtracting(sampled).isEmpty, "registered types without a sample: \(registered.subtracting(sampled).sorted())")
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.schemas.path)
            .filter { $0.hasSuffix(".schema.json") }.map { String($0.dropLast(".schema.json".count)) }
        #expect(registered.subtracting(files).isEmpty, "types without a schema: \(registered.subtracting(files).sorted())")
        #expect(Set(files).subtracting(registered).isEmpty, "schemas without a type: \(Set(files).subtracting(registered).sorted())")
    }

    func runValidator(samples: [String: Data]) throws -> (status: Int32, output: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("event-samples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, data) in samples {
            try data.write(to: folder.appendingPathComponent("\(name).json"))
        }
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // tools/test sets PORTAL_PYTHON to a Python that has jsonschema (installing it when missing).
        let python = ProcessInfo.processInfo.environment["PORTAL_PYTHON"] ?? "python3"
        process.arguments = [python, Self.validator.path, Self.schemas.path, folder.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test("a sample of every event type validates against its schema (jsonschema, Draft 2020-12)")
    func samplesValidate() throws {
        var samples: [String: Data] = [:]
        for sample in Self.samples {
            samples[Self.name(type(of: sample))] = try EventCoding.encode(sample)
        }
        let (status, output) = try runValidator(samples: samples)
        try #require(status != 2, "Python's jsonschema is missing: run the README's test command, which installs it. \(output)")
        #expect(status == 0, "\(output)")
        #expect(output.contains("\(Self.samples.count) samples checked"), "\(output)")
    }

    @Test("a broken sample is rejected, naming the field: the validator really validates")
    func brokenSampleIsRejected() throws {
        let sample = try #require(Self.samples.first { $0 is ActualRecorded })
        var json = try #require(try JSONSerialization.jsonObject(with: EventCoding.encode(sample)) as? [String: Any])
        json["actual"] = "4.28571"
        json["password"] = "not-allowed"
        let broken = try JSONSerialization.data(withJSONObject: json)
        let (status, output) = try runValidator(samples: ["ActualRecorded.v1": broken])
        try #require(status != 2, "Python's jsonschema is missing: run the README's test command, which installs it. \(output)")
        #expect(status == 1)
        #expect(output.contains("ActualRecorded.v1.json: actual"), "\(output)")
        #expect(output.contains("password"), "\(output)")
    }
}
