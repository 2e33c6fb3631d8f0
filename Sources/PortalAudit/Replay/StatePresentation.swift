import Chronology
import EventLog
import Foundation
import PortalDomain

/// States as a person reads them: an internal counter that stands for something in the log is shown as that
/// thing. An invoice's `actualsVersion` (the version of its period's actuals stream that its lines were computed
/// from, R-INV-2) becomes `actualsAsOf`: when that version of the actuals was recorded, and at which position.
struct StatePresentation {
    let log: EventLog
    private var seen: [String: JSONTree] = [:]

    init(log: EventLog) {
        self.log = log
    }

    /// `state` with every counter named; composite states (a CPLI with its actuals) are walked one level down.
    mutating func named(_ state: JSONTree) throws -> JSONTree {
        guard case .object(var fields) = state else { return state }
        if case .number(let text)? = fields["actualsVersion"], let version = UInt64(text),
           case .string(let service)? = fields["serviceID"], case .number(let periodText)? = fields["period"], let period = Int(periodText) {
            fields["actualsVersion"] = nil
            fields["actualsAsOf"] = try actuals(Actuals.Key(serviceID: ServiceID(service), period: PeriodNumber(period)).streamID, version)
            return .object(fields)
        }
        for (key, value) in fields {
            if case .object(let inner) = value, inner["actualsVersion"] != nil { fields[key] = try named(value) }
        }
        return .object(fields)
    }

    /// `<recorded at> (position <n>)` of the actuals stream's event at `version`; version 0 is "no actuals".
    private mutating func actuals(_ streamID: String, _ version: UInt64) throws -> JSONTree {
        let key = "\(streamID)@\(version)"
        if let known = seen[key] { return known }
        let named: JSONTree
        if version == 0 {
            named = .string("no actuals recorded")
        } else if let event = try log.readStream(streamID, from: version, limit: 1).first, event.streamVersion == version {
            named = .string("\(event.recordedAt.iso8601) (position \(event.position))")
        } else {
            named = .string("version \(version) of \(streamID), which the log does not hold")
        }
        seen[key] = named
        return named
    }
}
