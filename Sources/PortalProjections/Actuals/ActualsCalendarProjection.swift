import Chronology
import PortalDomain

/// The actuals calendar: per service and week, each active CPLI's Planned / Actual / Frustrated / Missed /
/// Extra / Visits / comment, the provider's weekly confirmation, and whether the week's period is locked.
///
/// Only edits are stored (generated lines are a pure function of the CPLI and the week, R-ACT-1, computed when
/// read), so an edit costs one row. A week is "changed since confirmation" when one of its lines was recorded
/// after the confirmation (as `Actuals.evolve` says), which the read works out from the positions.
///
/// Tables: `service-owners` [service] → org; `cplis` [org, service, cpli] → ``CalendarCPLI``; `cpli-services`
/// [cpli] → key [org, service]; `recorded` [org, service, week, cpli] → ``RecordedActual``; `confirmations`
/// [org, service, week] → ``StepRecord``; `locks` [org, service, period] → the locking invoice's id.
public enum ActualsCalendarProjection: Projection {
    public static let name = "actuals-calendar"
    public static let version = 1
    public static let tables = ["service-owners", "cplis", "cpli-services", "recorded", "confirmations", "locks"]
    public static let eventTypes: Set<String> = [
        ServiceRegistered.eventType, CPLICommissioned.eventType, CPLIActivated.eventType, ActualRecorded.eventType,
        WeekConfirmed.eventType, PeriodLocked.eventType, PeriodReopened.eventType,
    ]

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        switch event.payload {
        case let e as ActualRecorded:
            let owner = try model.requireOwner("service-owners", e.serviceID.rawValue, "service", for: event)
            try model.put(RecordedActual(actual: e, recorded: StepRecord(event)), "recorded", ReadModelKey(
                .text(owner.rawValue), .text(e.serviceID.rawValue), .date(e.week.monday), .text(e.cpliID.rawValue)))
        case let e as WeekConfirmed:
            let owner = try model.requireOwner("service-owners", e.serviceID.rawValue, "service", for: event)
            try model.put(StepRecord(event), "confirmations",
                          ReadModelKey(.text(owner.rawValue), .text(e.serviceID.rawValue), .date(e.week.monday)))
        case let e as ServiceRegistered:
            try model.putOwner(e.organisationID, "service-owners", e.serviceID.rawValue)
        case let e as CPLICommissioned:
            let d = e.definition
            let serviceKey = ReadModelKey(.text(d.organisationID.rawValue), .text(d.serviceID.rawValue))
            try model.putBytes(serviceKey.bytes, "cpli-services", ReadModelKey(.text(d.cpliID.rawValue)))
            try model.put(CalendarCPLI(definition: d, isActive: false), "cplis", serviceKey.appending(.text(d.cpliID.rawValue)))
        case let e as CPLIActivated:
            guard let serviceKey = try model.getBytes("cpli-services", ReadModelKey(.text(e.cpliID.rawValue))) else {
                throw ReadModelInconsistency.unknown("CPLI \(e.cpliID)", in: event)
            }
            let key = ReadModelKey(bytes: serviceKey).appending(.text(e.cpliID.rawValue))
            var cpli = try model.require(CalendarCPLI.self, "cplis", key, "CPLI \(e.cpliID)", for: event)
            cpli.isActive = true
            try model.put(cpli, "cplis", key)
        case let e as PeriodLocked:
            let owner = try model.requireOwner("service-owners", e.serviceID.rawValue, "service", for: event)
            try model.putBytes(Array(e.invoiceID.rawValue.utf8), "locks",
                               ReadModelKey(.text(owner.rawValue), .text(e.serviceID.rawValue), .period(e.period)))
        case let e as PeriodReopened:
            let owner = try model.requireOwner("service-owners", e.serviceID.rawValue, "service", for: event)
            try model.delete("locks", ReadModelKey(.text(owner.rawValue), .text(e.serviceID.rawValue), .period(e.period)))
        default:
            return
        }
    }
}

/// A CPLI as the calendar needs it: its definition (for generated lines) and whether it is active (R-ISO-3).
public struct CalendarCPLI: Codable, Sendable, Equatable {
    public var definition: CPLIDefinition
    public var isActive: Bool
}

/// A recorded edit of a CPLI's week, with who recorded it and when.
public struct RecordedActual: Codable, Sendable, Equatable {
    public var actual: ActualRecorded
    public var recorded: StepRecord
}
