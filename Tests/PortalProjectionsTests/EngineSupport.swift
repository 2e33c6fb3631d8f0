import Chronology
import EventLog
import Foundation
import PortalDomain
@testable import PortalProjections

/// A small read model for engine tests: organisations by id with their pending change requests, and an
/// index by postcode that moves when details change.
enum OrganisationDirectory: Projection {
    static let name = "organisation-directory"
    static let version = 1
    static let tables = ["organisations", "by-postcode"]
    static let eventTypes: Set<String> = [
        OrganisationRegistered.eventType, OrganisationDetailsChangeRequested.eventType,
        OrganisationDetailsChangeAccepted.eventType, OrganisationDetailsChangeRejected.eventType,
    ]

    struct Entry: Codable, Equatable {
        var name: String
        var postcode: String
        var pendingRequests: Int
        var changedAt: UInt64
    }

    static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        switch event.payload {
        case let registered as OrganisationRegistered:
            let id = registered.organisationID.rawValue
            try model.put(Entry(name: registered.details.name, postcode: registered.details.postcode, pendingRequests: 0,
                                changedAt: event.position), "organisations", ReadModelKey(.text(id)))
            try model.put(id, "by-postcode", ReadModelKey(.text(registered.details.postcode), .text(id)))
        case let requested as OrganisationDetailsChangeRequested:
            let key = ReadModelKey(.text(requested.organisationID.rawValue))
            guard var entry = try model.get(Entry.self, "organisations", key) else { throw Missing(id: requested.organisationID.rawValue) }
            entry.pendingRequests += 1
            try model.put(entry, "organisations", key)
        case let accepted as OrganisationDetailsChangeAccepted:
            let id = accepted.organisationID.rawValue
            let key = ReadModelKey(.text(id))
            guard var entry = try model.get(Entry.self, "organisations", key) else { throw Missing(id: id) }
            try model.delete("by-postcode", ReadModelKey(.text(entry.postcode), .text(id)))
            entry.name = accepted.details.name
            entry.postcode = accepted.details.postcode
            entry.pendingRequests -= 1
            entry.changedAt = event.position
            try model.put(entry, "organisations", key)
            try model.put(id, "by-postcode", ReadModelKey(.text(entry.postcode), .text(id)))
        case let rejected as OrganisationDetailsChangeRejected:
            let key = ReadModelKey(.text(rejected.organisationID.rawValue))
            guard var entry = try model.get(Entry.self, "organisations", key) else { throw Missing(id: rejected.organisationID.rawValue) }
            entry.pendingRequests -= 1
            try model.put(entry, "organisations", key)
        default:
            return
        }
    }

    struct Missing: Error, CustomStringConvertible {
        let id: String
        var description: String { "organisation \(id) was never registered" }
    }
}

/// A deterministic history of organisation events: registrations, then change requests accepted or rejected.
struct OrganisationHistory {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    static func details(_ index: Int, _ version: Int) -> ContactDetails {
        ContactDetails(name: "Care Provider \(index) v\(version)", addressLines: ["\(index) High Street"], postcode: "NR\(version % 30) \(index % 9)AB")
    }

    /// Appends `count` events in random small groups across `organisations` streams.
    mutating func append(to log: EventLog, count: Int, organisations: Int) async throws {
        var written = 0
        var registered = Set<Int>()
        var pending: [Int: [ChangeRequestID]] = [:]
        var versions: [Int: Int] = [:]
        while written < count {
            let index = Int(generator.next() % UInt64(organisations))
            let id = OrganisationID("org-\(index)")
            var payloads: [any EventPayload] = []
            if !registered.contains(index) {
                registered.insert(index)
                payloads.append(OrganisationRegistered(organisationID: id, details: Self.details(index, 0)))
            } else if let request = pending[index]?.first, generator.next() % 2 == 0 {
                pending[index]?.removeFirst()
                if generator.next() % 3 == 0 {
                    payloads.append(OrganisationDetailsChangeRejected(organisationID: id, requestID: request, reason: "wrong postcode"))
                } else {
                    versions[index, default: 0] += 1
                    payloads.append(OrganisationDetailsChangeAccepted(organisationID: id, requestID: request, details: Self.details(index, versions[index]!)))
                }
            } else {
                let request = ChangeRequestID("cr-\(index)-\(written)")
                pending[index, default: []].append(request)
                payloads.append(OrganisationDetailsChangeRequested(organisationID: id, requestID: request, proposed: Self.details(index, 99)))
            }
            let events = try payloads.map { payload in
                ProposedEvent(type: type(of: payload).eventType, schemaVersion: type(of: payload).schemaVersion,
                              payload: try EventCoding.encode(payload), actor: EventActor(who: "helpdesk-1", actingAs: "team:helpdesk"))
            }
            try await log.append(to: "organisation-org-\(index)", events: events)
            written += events.count
        }
    }
}

final class TemporaryFolder: Sendable {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("portal-projection-tests-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    var log: URL { url.appendingPathComponent("log") }
    var projections: URL { url.appendingPathComponent("projections") }
}

func engine(_ log: EventLog, _ folder: TemporaryFolder, _ projections: [any Projection.Type] = [OrganisationDirectory.self],
            batchSize: Int = 2000) -> ProjectionEngine {
    var options = ProjectionEngine.Options()
    options.batchSize = batchSize
    options.domainCategories = ["organisation", "invoice"]
    return ProjectionEngine(log: log, folder: folder.projections, projections: projections, options: options)
}
