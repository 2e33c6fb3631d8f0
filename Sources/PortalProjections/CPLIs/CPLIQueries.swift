import Chronology
import Foundation
import PortalDomain

/// Reads of CPLIs (``CPLIsProjection``) and their CSV export with the cost breakdown (R-ISO-3).
public struct CPLIQueries: Sendable {
    let engine: ProjectionEngine

    /// The CPLIs the scope sees, by id; narrowed to one service and to active ones when asked. The council
    /// lists every organisation's when `organisation` is nil.
    public func cplis(of organisation: OrganisationID? = nil, service: ServiceID? = nil, activeOnly: Bool = false,
                      _ scope: ReadScope) throws -> [CPLIEntry] {
        try engine.read(CPLIsProjection.self) { reader in
            var organisation = organisation
            if let service, organisation == nil {
                organisation = try reader.owner("service-owners", service.rawValue)
                if organisation == nil { return [] }
            }
            let entries: [CPLIEntry]
            if let service {
                guard let prefix = reader.scopedPrefix(scope, organisation: organisation, [.text(service.rawValue)]) else { return [] }
                entries = try reader.entries("by-service", prefix: prefix).compactMap { index in
                    var parts = ReadModelKeyReader(index.key)
                    guard let owner = parts.text(), parts.text() != nil, let cpli = parts.text() else { return nil }
                    return try reader.get(CPLIEntry.self, "cplis", ReadModelKey(.text(owner), .text(cpli)))
                }
            } else {
                entries = try reader.scopedValues(CPLIEntry.self, "cplis", scope, organisation: organisation)
            }
            return activeOnly ? entries.filter(\.isActive) : entries
        }
    }

    /// One CPLI, or nil when it does not exist or the scope may not see it.
    public func cpli(_ id: CPLIID, _ scope: ReadScope) throws -> CPLIEntry? {
        try engine.read(CPLIsProjection.self) { reader in
            try reader.owned(CPLIEntry.self, "cplis", owners: "cpli-owners", id: id.rawValue, scope)
        }
    }

    /// The states of a service's CPLIs (as `CPLI.fold` gives them), for the application's actuals screens:
    /// replaces reading every `cpli-` stream.
    public func states(ofService service: ServiceID) throws -> [CPLI.State] {
        try cplis(service: service, .council).map(\.cpli)
    }

    /// The columns of ``csv(of:service:_:)``.
    public static let csvColumns = [
        "organisation", "service", "cpli", "iso", "client_reference", "client_name", "service_type", "unit",
        "planned_per_week", "rate", "weekly_cost", "period_cost", "start_date", "end_date", "temporary_of", "status",
        "document_status",
    ]

    /// The CPLI list as CSV (``CSVText``: RFC 4180, `\n` line ends, formula cells neutralised) with the cost
    /// breakdown: planned per week, rate, weekly cost and a four-week period's cost (R-ISO-3).
    public func csv(of organisation: OrganisationID? = nil, service: ServiceID? = nil, _ scope: ReadScope) throws -> String {
        let rows = try cplis(of: organisation, service: service, scope).map { entry -> [CSVText.Cell] in
            let d = entry.definition
            return [.text(d.organisationID.rawValue), .text(d.serviceID.rawValue), .text(d.cpliID.rawValue), .text(d.isoID.rawValue),
                    .text(d.clientReference), .text(d.clientName), .text(d.serviceType.rawValue), .text(d.unit.rawValue),
                    .number(d.plannedPerWeek.description), .number(d.rate.description), .number(entry.weeklyCost.description),
                    .number(entry.periodCost.description), .number(d.startDate.iso8601), .number(d.endDate?.iso8601 ?? ""),
                    .text(d.temporaryOf?.rawValue ?? ""), .text(entry.cpli.status.rawValue), .text(entry.documentStatus.rawValue)]
        }
        return CSVText.render(header: Self.csvColumns, rows: rows)
    }
}
