import EventLog
import Foundation
import PortalDomain

/// Finds the streams behind the things an auditor names: a stream, a contact, a CPLI, a service period.
public struct AuditSubjects: Sendable {
    public let log: EventLog

    public init(log: EventLog) {
        self.log = log
    }

    /// Any stream of the domain, by its id.
    public func stream(_ streamID: String) throws -> AuditSubject {
        let category = StreamID.category(of: streamID)
        guard let kind = EventRegistry.streamKind(ofCategory: category) else {
            throw AuditError.invalid("'\(streamID)' is not a stream of the portal (known categories: \(EventRegistry.categories.sorted().joined(separator: ", ")))")
        }
        guard try log.streamVersion(streamID) > 0 else { throw AuditError.notFound("stream \(streamID)") }
        return AuditSubject(name: "stream \(streamID)", sources: [.init(label: category, streamID: streamID, kind: kind)])
    }

    /// A contact (any user) by user id or by email address.
    public func contact(_ idOrEmail: String) throws -> AuditSubject {
        var userID = idOrEmail
        if idOrEmail.contains("@") {
            let wanted = idOrEmail.lowercased()
            var found: [String] = []
            var after: String?
            while true {
                let ids = try log.streamIDs(category: User.category, after: after, limit: 1000)
                guard let last = ids.last else { break }
                for id in ids {
                    let events = try log.readStream(id, limit: 3)
                    if events.contains(where: { String(decoding: $0.payload, as: UTF8.self).lowercased().contains("\"email\":\"\(wanted)\"") }) {
                        found.append(String(id.dropFirst(User.category.count + 1)))
                    }
                }
                after = last
            }
            guard let first = found.first else { throw AuditError.notFound("contact \(idOrEmail)") }
            guard found.count == 1 else { throw AuditError.ambiguous("\(idOrEmail) names several users: \(found.joined(separator: ", "))") }
            userID = first
        }
        let streamID = User.streamID(userID)
        guard try log.streamVersion(streamID) > 0 else { throw AuditError.notFound("contact \(idOrEmail)") }
        return AuditSubject(name: "contact \(userID)", sources: [.init(label: "user", streamID: streamID, kind: User.self)])
    }

    /// A CPLI: its own stream, and every actual recorded against it in its service's actuals streams.
    public func cpli(_ id: String) throws -> AuditSubject {
        let streamID = CPLI.streamID(id)
        let events = try log.readStream(streamID)
        guard let first = events.first else { throw AuditError.notFound("CPLI \(id)") }
        let payload = try JSONTree(json: first.payload)
        guard case .string(let service)? = payload["definition"]?["serviceID"] ?? payload["serviceID"] else {
            throw AuditError.invalid("the first event of \(streamID) does not name its service")
        }
        var sources: [AuditSubject.Source] = [.init(label: "cpli", streamID: streamID, kind: CPLI.self)]
        for actuals in try log.streamIDs(withPrefix: "\(Actuals.category)-\(service)-", limit: .max) {
            sources.append(.init(label: "actuals \(actuals.dropFirst(Actuals.category.count + service.count + 2))",
                                 streamID: actuals, kind: Actuals.self,
                                 include: { $0["cpliID"] == .string(id) }))
        }
        return AuditSubject(name: "CPLI \(id)", sources: sources)
    }

    /// A service's period: its actuals and the locks of that period.
    public func servicePeriod(service: String, period: Int) throws -> AuditSubject {
        let actuals = Actuals.Key(serviceID: ServiceID(service), period: PeriodNumber(period)).streamID
        let locks = PeriodLocks.streamID(service)
        guard try log.streamVersion(actuals) > 0 || log.streamVersion(locks) > 0 else {
            throw AuditError.notFound("service \(service) period \(period)")
        }
        return AuditSubject(name: "service \(service) period \(period)", sources: [
            .init(label: "actuals", streamID: actuals, kind: Actuals.self),
            .init(label: "locks", streamID: locks, kind: PeriodLocks.self, include: { $0["period"] == .number(String(period)) }),
        ])
    }
}
