import Chronology
import PortalDomain

/// Reads of scheduled payments (``ScheduledPaymentsProjection``).
public struct ScheduledPaymentQueries: Sendable {
    let engine: ProjectionEngine

    /// The scheduled payments the scope sees, by contract and period; narrowed to one contract when asked.
    public func payments(of organisation: OrganisationID? = nil, contract: ContractID? = nil, _ scope: ReadScope) throws -> [ScheduledPaymentEntry] {
        try engine.read(ScheduledPaymentsProjection.self) { reader in
            var organisation = organisation
            if let contract, organisation == nil {
                organisation = try reader.owner("schedule-owners", contract.rawValue)
                if organisation == nil { return [] }
            }
            return try reader.scopedValues(ScheduledPaymentEntry.self, "payments", scope, organisation: organisation,
                                           contract.map { [.text($0.rawValue)] } ?? [])
        }
    }

    /// Calculated payments not yet paid and due on or before `date`, by due date (council only): what a
    /// payment run on `date` pays (R-PAY-2).
    public func unpaid(dueBy date: BusinessDate, _ scope: ReadScope) throws -> [ScheduledPaymentEntry] {
        guard scope == .council else { return [] }
        return try engine.read(ScheduledPaymentsProjection.self) { reader in
            try reader.entries("unpaid", from: ReadModelKey(), before: ReadModelKey(.date(date.adding(days: 1)))).compactMap { index in
                var parts = ReadModelKeyReader(index.key)
                guard parts.text() != nil, let owner = parts.text(), let contract = parts.text(), let period = parts.number() else { return nil }
                return try reader.get(ScheduledPaymentEntry.self, "payments", ReadModelKey(.text(owner), .text(contract), .number(period)))
            }
        }
    }
}
