import Chronology
import Foundation
import PortalDomain
import StoreComparison

/// A provider whose one period's actuals file has a given number of rows, for measuring a bulk import through
/// the product's application: its registers, contacts and agreed CPLIs as workload batches, and the CSV file.
public struct ImportFixture: Sendable {
    /// The events to load before the import.
    public var batches: [WorkloadBatch]
    public var organisationID: OrganisationID
    /// The provider's contact who imports (payments role).
    public var editor: Actor
    public var period: PeriodNumber
    /// The CSV file: one row per CPLI and week of the period, each a change from the plan.
    public var csv: Data
    public var rows: Int
    /// When the import is made: the Monday after the period, 09:00 UTC.
    public var importAt: Timestamp
    public var calendar: PeriodCalendar
}

extension CountyWorkload {
    /// One provider with ten services and about `rows / 4` clients of one CPLI each, agreed before period 1,
    /// and the file of period 1's actuals for every CPLI and week.
    public static func importFixture(rows: Int, seed: UInt64 = 1) async throws -> ImportFixture {
        var scale = CountyScale(factor: 0.005, periods: 1)
        scale.providers = 1
        scale.servicesPerProvider = 10...10
        scale.clientsPerService = max(1, (rows + 39) / 40)
        scale.secondLineShare = 0
        scale.providerPrefix = "bulk"
        let county = CountyWorkload(scale: scale, seed: seed)
        try county.setUp()
        var batches: [WorkloadBatch] = []
        try await county.flush { batches.append($0) }
        let period = county.calendar.period(PeriodNumber(1))
        var lines = ["service,cpli,week,actual,frustrated,missed,extra,visits,comment"]
        for service in county.providers[0].services {
            for week in period.weeks {
                for state in county.cpliStates(service) where state.status == .active {
                    guard lines.count <= rows, let definition = state.definition, let generated = GeneratedActual(definition, week: week) else { continue }
                    let actual = Quantity(tenThousandths: max(2_500, generated.planned.tenThousandths - 2_500))
                    lines.append("\(service.id.rawValue),\(definition.cpliID.rawValue),\(week.monday.iso8601),\(actual),,,,\(county.random.int(0...14)),Visits shortened at the client's request")
                }
            }
        }
        return ImportFixture(
            batches: batches, organisationID: county.providers[0].id, editor: county.providers[0].editor, period: period.number,
            csv: Data((lines.joined(separator: "\n") + "\n").utf8), rows: lines.count - 1,
            importAt: Timestamp(microsecondsSince1970: period.lastDay.adding(days: 1).startOfDay.microsecondsSince1970 + 9 * 3_600_000_000),
            calendar: county.calendar)
    }
}
