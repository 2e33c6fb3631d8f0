import Chronology
import Foundation
import PortalDomain
import StoreComparison

/// One four-week period of the county, day by day.
extension CountyWorkload {
    func run(_ number: PeriodNumber, _ sink: (WorkloadBatch) async throws -> Void) async throws {
        let period = calendar.period(number)
        ledger.at(period.firstDay, hour: 7)
        try calculateScheduledPayments(number)
        if number.value % 13 == 0 { try changePasswords(year: number.value / 13) }
        // Each Monday: logins, and calendar providers record the week before.
        for (index, week) in period.weeks.enumerated() {
            try logins(on: week.monday)
            if index > 0 { try recordWeek(period.weeks[index - 1], of: number) }
            if index == 0 { try conversations(number) }
        }
        ledger.at(period.lastDay, hour: 15)
        let claims = try makeClaims(number)

        // The Monday after: the last week recorded, CSV files imported, exceptions resolved, invoices submitted;
        // brokerage commissions the next period's new packages.
        let day = period.lastDay.adding(days: 1)
        try logins(on: day)
        try recordWeek(period.weeks[PeriodCalendar.weeksPerPeriod - 1], of: number)
        ledger.at(day, hour: 9, minute: 30)
        try importPeriod(number)
        ledger.at(day, hour: 9, minute: 45)
        try resolveExceptions(number)
        ledger.at(day, hour: 10)
        try invoicePeriod(number, on: day)
        ledger.at(day, hour: 16)
        try commissionForNextPeriod(after: number)

        // Day 1: ISOs agreed, paid periods corrected, holds and returns, claims decided.
        ledger.at(day.adding(days: 1), hour: 9, minute: 10)
        try agreePublishedISOs()
        ledger.at(day.adding(days: 1), hour: 10)
        try correctPaidPeriods(number)
        ledger.at(day.adding(days: 1), hour: 11)
        let (held, returned) = try holdAndReturn(number)
        ledger.at(day.adding(days: 1), hour: 11, minute: 30)
        let approvedClaims = try decideClaims(claims)
        // Day 2: releases, resubmissions, contract-level invoices of the approved claims.
        ledger.at(day.adding(days: 2), hour: 10)
        try releaseAndResubmit(number, held: held, returned: returned)
        ledger.at(day.adding(days: 2), hour: 10, minute: 30)
        try invoiceClaims(approvedClaims, of: number)
        // Day 3: approvals. Day 4: the payment run, paying on the Monday after.
        ledger.at(day.adding(days: 3), hour: 11)
        try approveSubmitted()
        ledger.at(day.adding(days: 4), hour: 12)
        try paymentRun(number, paymentDate: day.adding(days: 7))
        forgetOld(number)
        try await flush(sink)
    }
}
