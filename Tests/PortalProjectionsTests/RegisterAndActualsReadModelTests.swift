import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing
@testable import PortalProjections

/// Two providers, `oasis` and `sunrise`, set up through the portal's commands, and the read models caught up
/// after each step. The clock starts on Tuesday 2026-11-17 (period 9: 2026-11-16 to 2026-12-13).
final class ReadModelFixture: @unchecked Sendable {
    let history: PortalHistory
    let readModels: PortalReadModels
    var portal: Portal { history.portal }
    var clock: TestClock { history.clock }
    var helpdesk: Actor { history.helpdesk }
    var payments: Actor { history.payments }
    var oasisUser: Actor!
    var sunriseUser: Actor!
    let oasis: OrganisationID = "oasis"
    let sunrise: OrganisationID = "sunrise"
    let oasisService: ServiceID = "oasis-hs"
    let week1 = try! Week.parse("2026-11-16")
    var minutes = 0

    init(policy: PolicyProfile = .norfolk) async throws {
        history = try PortalHistory(seed: 1, policy: policy)
        readModels = PortalReadModels(log: history.log, dataFolder: history.folder)
        try readModels.open()
        history.helpdesk = try await history.staff("helpdesk-1", .helpdesk)
        history.procurement = try await history.staff("procurement-1", .procurement)
        history.brokerage = try await history.staff("brokerage-1", .serviceBrokerage)
        history.payments = try await history.staff("payments-1", .payments)
        for (organisation, service) in [(oasis, oasisService), (sunrise, ServiceID("sunrise-hs"))] {
            _ = try await portal.registerOrganisation(organisation, details: history.details("\(organisation) care"), request(history.procurement))
            try await registerService(service, contract: ContractID("\(service.rawValue)-k"), type: .spotOldBlock, basis: .invoiced, of: organisation)
        }
        oasisUser = try await history.contact("oasis-su", of: oasis, role: .superUserActuals, requestedBy: helpdesk)
        history.superUsers[oasis] = oasisUser
        sunriseUser = try await history.contact("sunrise-su", of: sunrise, role: .superUserActuals, requestedBy: helpdesk)
        history.superUsers[sunrise] = sunriseUser
        try await sync()
    }

    func request(_ actor: Actor) -> CommandRequest { CommandRequest(actor: actor) }

    /// Moves the clock on a minute, so that every step has its own instant.
    func tick() {
        minutes += 1
        clock.set(Timestamp(microsecondsSince1970: Timestamp(iso8601: "2026-11-17T09:00:00Z")!.microsecondsSince1970 + Int64(minutes) * 60_000_000))
    }

    func sync() async throws {
        try await readModels.engine.catchUp()
        #expect(readModels.engine.stoppedError == nil)
    }

    /// Publishes an ISO with one CPLI of `planned` hours a week at `rate` pence an hour.
    @discardableResult
    func cpli(_ id: CPLIID, of organisation: OrganisationID, service: ServiceID, planned: String, ratePence: Int64,
              start: String = "2026-01-05", agree: Bool? = true) async throws -> CPLIDefinition {
        tick()
        let iso = ISOID("iso-\(id.rawValue)")
        let definition = CPLIDefinition(
            cpliID: id, isoID: iso, organisationID: organisation, serviceID: service, clientReference: "C-\(id.rawValue)",
            clientName: "Client \(id.rawValue)", serviceType: .homeSupportContractRate, unit: .hours,
            plannedPerWeek: PortalHistory.q(planned), rate: Rate(pence: ratePence), startDate: PortalHistory.date(start))
        _ = try await portal.publishISO(ISOPublished(
            isoID: iso, organisationID: organisation, serviceID: service, clientReference: definition.clientReference,
            clientName: definition.clientName, cpliIDs: [id]), cplis: [definition], request(history.brokerage))
        tick()
        let provider = history.superUsers[organisation]!
        switch agree {
        case true?: _ = try await portal.agreeISO(iso, request(provider))
        case false?: _ = try await portal.rejectISO(iso, reason: "the rate is wrong", request(provider))
        case nil: break
        }
        try await sync()
        return definition
    }
}

@Suite("Read models of part 1: what each query answers")
struct RegisterAndActualsReadModelTests {
    @Test("R-ISO-2: contract documents by status and updated since; R-ROLE-2: another provider sees none of them")
    func contractDocuments() async throws {
        let f = try await ReadModelFixture()
        try await f.cpli("cpli-a", of: f.oasis, service: f.oasisService, planned: "10.5", ratePence: 1850)
        let bPublished = Timestamp(iso8601: "2026-11-17T09:03:00Z")!
        try await f.cpli("cpli-b", of: f.oasis, service: f.oasisService, planned: "7", ratePence: 2000, start: "2026-11-18")
        try await f.cpli("cpli-c", of: f.oasis, service: f.oasisService, planned: "3", ratePence: 1900, agree: false)
        try await f.cpli("cpli-d", of: f.oasis, service: f.oasisService, planned: "2", ratePence: 1900, agree: nil)
        try await f.cpli("cpli-s", of: f.sunrise, service: "sunrise-hs", planned: "4", ratePence: 1700)
        let documents = f.readModels.contractDocuments
        let oasisScope = ReadScope(f.oasisUser)

        let all = try documents.documents(oasisScope)
        #expect(all.map(\.isoID) == ["iso-cpli-a", "iso-cpli-b", "iso-cpli-c", "iso-cpli-d"])
        #expect(all.map(\.status) == [.agreed, .agreed, .rejected, .published])
        let rejected = try documents.documents(status: .rejected, oasisScope)
        #expect(rejected.map(\.isoID) == ["iso-cpli-c"])
        #expect(rejected.first?.document.rejectionReason == "the rate is wrong")
        #expect(rejected.first?.decided?.who == "oasis-su")
        #expect(rejected.first?.decided?.actingAs == "super-user-actuals@oasis")
        #expect(try documents.documents(updatedSince: bPublished, oasisScope).map(\.isoID) == ["iso-cpli-b", "iso-cpli-c", "iso-cpli-d"])
        #expect(try documents.documents(status: .published, .council).map(\.isoID) == ["iso-cpli-d"])
        #expect(try documents.documents(.council).count == 5)

        let document = try #require(try documents.document("iso-cpli-b", oasisScope))
        #expect(document.lines.map(\.cpliID) == ["cpli-b"])
        #expect(document.entry.published.who == "brokerage-1")

        let sunriseScope = ReadScope(f.sunriseUser)
        #expect(try documents.document("iso-cpli-a", sunriseScope) == nil)
        #expect(try documents.documents(of: f.oasis, sunriseScope).isEmpty)
        #expect(try documents.documents(sunriseScope).map(\.isoID) == ["iso-cpli-s"])
    }

    @Test("R-ISO-3: CPLIs with the cost breakdown and their CSV; only an agreed ISO's CPLIs are active")
    func cplis() async throws {
        let f = try await ReadModelFixture()
        try await f.cpli("cpli-a", of: f.oasis, service: f.oasisService, planned: "10.5", ratePence: 1850)
        try await f.cpli("cpli-c", of: f.oasis, service: f.oasisService, planned: "3.25", ratePence: 1933, agree: false)
        try await f.cpli("cpli-s", of: f.sunrise, service: "sunrise-hs", planned: "4", ratePence: 1700)
        let cplis = f.readModels.cplis
        let scope = ReadScope(f.oasisUser)

        let a = try #require(try cplis.cpli("cpli-a", scope))
        // 10.5 h × £18.50 = £194.25 a week; four weekly lines = £777.00.
        #expect(a.weeklyCost == Money(pence: 19425))
        #expect(a.periodCost == Money(pence: 77700))
        #expect(a.isActive)
        #expect(a.documentStatus == .agreed)
        let c = try #require(try cplis.cpli("cpli-c", scope))
        // 3.25 h × £19.33 = £62.8225, half-up to £62.82.
        #expect(c.weeklyCost == Money(pence: 6282))
        #expect(!c.isActive)
        #expect(c.documentStatus == .rejected)

        #expect(try cplis.cplis(service: f.oasisService, activeOnly: true, scope).map(\.definition.cpliID) == ["cpli-a"])
        #expect(try cplis.cplis(scope).map(\.definition.cpliID) == ["cpli-a", "cpli-c"])
        #expect(try cplis.cplis(.council).count == 3)
        #expect(try cplis.cpli("cpli-s", scope) == nil)
        #expect(try cplis.cplis(service: "sunrise-hs", scope).isEmpty)
        #expect(try cplis.states(ofService: f.oasisService).map(\.status) == [.active, .commissioned])

        let csv = try cplis.csv(scope)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0] == "organisation,service,cpli,iso,client_reference,client_name,service_type,unit,planned_per_week,rate,weekly_cost,period_cost,start_date,end_date,temporary_of,status,document_status")
        #expect(lines[1] == "oasis,oasis-hs,cpli-a,iso-cpli-a,C-cpli-a,Client cpli-a,home-support-contract-rate,hours,10.5000,18.5000,194.25,777.00,2026-01-05,,,active,agreed")
        #expect(lines[2].hasSuffix(",3.2500,19.3300,62.82,251.28,2026-01-05,,,commissioned,rejected"))
    }

    @Test("R-ACT-1/3/6/9, R-PER-3: the calendar week — generated and pro-rata lines, edits with who and flags, confirmation, lock")
    func actualsCalendar() async throws {
        let f = try await ReadModelFixture()
        try await f.cpli("cpli-a", of: f.oasis, service: f.oasisService, planned: "10.5", ratePence: 1850)
        // Starts on Wednesday 2026-11-18: 5 days of the first week, 7 × 5/7 = 5 hours.
        try await f.cpli("cpli-b", of: f.oasis, service: f.oasisService, planned: "7", ratePence: 2000, start: "2026-11-18")
        try await f.cpli("cpli-c", of: f.oasis, service: f.oasisService, planned: "3", ratePence: 1900, agree: false)
        let calendar = f.readModels.actualsCalendar
        let scope = ReadScope(f.oasisUser)
        let key = Actuals.Key(serviceID: f.oasisService, period: PeriodNumber(9))

        var week = try #require(try calendar.week(f.oasisService, f.week1, policy: .norfolk, calendar: PortalHistory.calendar, scope))
        #expect(week.period == PeriodNumber(9))
        #expect(week.lines.map(\.cpliID) == ["cpli-a", "cpli-b"])
        #expect(week.lines[0].values.planned == PortalHistory.q("10.5") && week.lines[0].values.actual == PortalHistory.q("10.5"))
        #expect(week.lines[0].recorded == nil)
        #expect(week.lines[1].values.planned == PortalHistory.q("5") && week.lines[1].flags.proRata)
        // 10.5 × £18.50 = £194.25, 5 × £20.00 = £100.00.
        #expect(week.total == Money(pence: 29425))
        #expect(week.plannedTotal == Money(pence: 29425))
        #expect(week.confirmation == nil && week.lockedByInvoice == nil)

        f.tick()
        _ = try await f.portal.recordActual(key, ActualEntry(cpliID: "cpli-a", week: f.week1, actual: .zero, comment: "in hospital"), f.request(f.oasisUser))
        // 6.5 > 1.2 × 5: over the exception line (R-ACT-6).
        _ = try await f.portal.recordActual(key, ActualEntry(cpliID: "cpli-b", week: f.week1, actual: PortalHistory.q("6.5")), f.request(f.oasisUser))
        _ = try await f.portal.confirmWeek(key, f.week1, f.request(f.oasisUser))
        try await f.sync()
        week = try #require(try calendar.week(f.oasisService, f.week1, policy: .norfolk, calendar: PortalHistory.calendar, scope))
        #expect(week.lines[0].values.actual == .zero && week.lines[0].values.comment == "in hospital")
        #expect(week.lines[0].flags.needsComment)
        #expect(week.lines[0].recorded?.who == "oasis-su")
        #expect(week.lines[0].recorded?.actingAs == "super-user-actuals@oasis")
        #expect(week.lines[0].recorded?.at == Timestamp(iso8601: "2026-11-17T09:07:00Z"))
        #expect(week.lines[1].flags.exception && !week.lines[1].flags.needsComment)
        // 0 + 6.5 × £20.00 = £130.00, of £294.25 planned.
        #expect(week.total == Money(pence: 13000))
        #expect(week.plannedTotal == Money(pence: 29425))
        #expect(week.confirmation?.who == "oasis-su")
        #expect(!week.changedSinceConfirmation)
        // Under lancashire, a line that differs from Planned needs a reason too (R-ACT-7).
        let lancashire = try #require(try calendar.week(f.oasisService, f.week1, policy: .lancashire, calendar: PortalHistory.calendar, scope))
        #expect(lancashire.lines[1].flags.needsComment)

        f.tick()
        _ = try await f.portal.recordActual(key, ActualEntry(cpliID: "cpli-a", week: f.week1, actual: PortalHistory.q("10")), f.request(f.oasisUser))
        _ = try await f.portal.changePeriodLock(f.oasisService, .lock(f.oasisService, PeriodNumber(9), invoice: "inv-9"), f.request(f.payments))
        try await f.sync()
        week = try #require(try calendar.week(f.oasisService, f.week1, policy: .norfolk, calendar: PortalHistory.calendar, scope))
        #expect(week.changedSinceConfirmation)
        #expect(week.lockedByInvoice == "inv-9")
        #expect(week.lines.allSatisfy { $0.flags.locked })
        let period = try calendar.period(f.oasisService, PeriodNumber(9), policy: .norfolk, calendar: PortalHistory.calendar, scope)
        #expect(period.map(\.week.description) == ["2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"])
        #expect(period[1].lines.allSatisfy { $0.recorded == nil } && period[1].lines[1].values.planned == PortalHistory.q("7"))

        #expect(try calendar.week(f.oasisService, f.week1, policy: .norfolk, calendar: PortalHistory.calendar, ReadScope(f.sunriseUser)) == nil)
    }

    @Test("R-PER-2/3: period locks — locked by which invoice, next period opened, reopened; who and when; the open period")
    func periodLocks() async throws {
        let f = try await ReadModelFixture()
        let locks = f.readModels.periodLocks
        let scope = ReadScope(f.oasisUser)
        let nine = PeriodNumber(9)
        let service = f.oasisService
        #expect(try locks.lock(service, nine, scope) == nil)
        #expect(try locks.openPeriod(service, today: PortalHistory.date("2026-11-17"), calendar: PortalHistory.calendar, scope) == nine)

        f.tick()
        _ = try await f.portal.changePeriodLock(service, .lock(service, nine, invoice: "inv-9"), f.request(f.payments))
        try await f.sync()
        var entry = try #require(try locks.lock(service, nine, scope))
        #expect(entry.status == .locked && entry.invoiceID == "inv-9" && entry.nextPeriodOpenedBecause == nil)
        #expect(entry.history.map(\.step.event) == ["PeriodLocked"])
        #expect(entry.history[0].step.who == "payments-1" && entry.history[0].step.actingAs == "team:payments")
        #expect(try locks.openPeriod(service, today: PortalHistory.date("2026-12-15"), calendar: PortalHistory.calendar, scope) == nil)

        f.tick()
        _ = try await f.portal.changePeriodLock(service, .openNext(service, after: nine, invoice: "inv-9", because: .approved), f.request(f.payments))
        try await f.sync()
        entry = try #require(try locks.lock(service, nine, scope))
        #expect(entry.status == .locked && entry.nextPeriodOpenedBecause == .approved)
        // Period 10 starts on 2026-12-14: not open before, open from then.
        #expect(try locks.openPeriod(service, today: PortalHistory.date("2026-12-13"), calendar: PortalHistory.calendar, scope) == nil)
        let board = try locks.board(service, today: PortalHistory.date("2026-12-15"), calendar: PortalHistory.calendar, scope)
        #expect(board.map(\.period.value) == [9, 10])
        #expect(board.map(\.status) == [.locked, .open])
        #expect(board.map(\.isOpenForEdits) == [false, true])
        #expect(board[1].firstDay == PortalHistory.date("2026-12-14"))

        f.tick()
        _ = try await f.portal.changePeriodLock(service, .reopen(service, nine, invoice: "inv-9"), f.request(f.payments))
        try await f.sync()
        entry = try #require(try locks.lock(service, nine, scope))
        #expect(entry.status == .reopened)
        #expect(entry.history.map(\.step.event) == ["PeriodLocked", "NextPeriodOpened", "PeriodReopened"])
        #expect(entry.history[2].step.at == Timestamp(iso8601: "2026-11-17T09:03:00Z"))
        #expect(try locks.openPeriod(service, today: PortalHistory.date("2026-12-15"), calendar: PortalHistory.calendar, scope) == nine)
        #expect(try locks.lock(service, nine, ReadScope(f.sunriseUser)) == nil)
        #expect(try locks.locks(service, .council).count == 1)
    }

    @Test("R-CON-1/2, R-ACC-6: contacts by organisation, the helpdesk's queue, access ended, accounts unused since a date")
    func contactsAndRegister() async throws {
        let f = try await ReadModelFixture()
        let contacts = f.readModels.contacts
        let oasisScope = ReadScope(f.oasisUser)
        f.tick()
        _ = try await f.portal.requestContactCreation("oasis-new", requestID: "cr-new", organisation: f.oasis,
                                                       person: Person(forename: "New", surname: "Person", email: "new@oasis.example"),
                                                       role: .readOnly, f.request(f.oasisUser))
        f.tick()
        _ = try await f.portal.changeOrganisationDetails(f.oasis, .request("ocr-1", f.history.details("Oasis Renamed")), f.request(f.oasisUser))
        try await f.sync()
        #expect(try contacts.pendingRequests(.council).map(\.userID) == ["oasis-new"])
        #expect(try contacts.pendingRequests(oasisScope).map(\.userID) == ["oasis-new"])
        #expect(try contacts.pendingRequests(ReadScope(f.sunriseUser)).isEmpty)
        #expect(try f.readModels.providers.organisation(f.oasis, oasisScope)?.pendingChanges.map(\.requestID) == ["ocr-1"])

        f.tick()
        _ = try await f.portal.acceptContactCreation("oasis-new", requestID: "cr-new", f.request(f.helpdesk))
        _ = try await f.portal.changeOrganisationDetails(f.oasis, .accept("ocr-1"), f.request(f.helpdesk))
        f.tick()
        _ = try await f.portal.requestRoleRemoval("oasis-new", requestID: "cr-gone", f.request(f.oasisUser))
        _ = try await f.portal.acceptRoleRemoval("oasis-new", requestID: "cr-gone", f.request(f.helpdesk))
        try await f.sync()
        #expect(try contacts.pendingRequests(.council).isEmpty)
        let organisation = try #require(try f.readModels.providers.organisation(f.oasis, oasisScope))
        #expect(organisation.details.name == "Oasis Renamed" && organisation.pendingChanges.isEmpty)
        #expect(organisation.lastChanged.who == "helpdesk-1")
        #expect(try f.readModels.providers.organisation(f.oasis, ReadScope(f.sunriseUser)) == nil)
        #expect(try f.readModels.providers.services(oasisScope).map(\.serviceID) == ["oasis-hs"])

        let removed = try #require(try contacts.account("oasis-new", oasisScope))
        #expect(removed.account.status == .accessEnded)
        #expect(removed.accessEnded?.who == "helpdesk-1")
        #expect(try contacts.contacts(of: f.oasis, oasisScope).map(\.userID) == ["oasis-new", "oasis-su"])
        #expect(try contacts.contacts(of: f.oasis, ReadScope(f.sunriseUser)).isEmpty)
        #expect(try contacts.account("oasis-su", ReadScope(f.sunriseUser)) == nil)
        #expect(try contacts.councilAccounts(team: .payments, .council).map(\.userID) == ["payments-1"])
        #expect(try contacts.councilAccounts(oasisScope).isEmpty)

        // Everyone's last use was 2026-11-17 (first passwords, changed at once); oasis-su logs in on the 20th.
        f.clock.set(PortalHistory.date("2026-11-20"))
        _ = try await f.portal.logIn(username: "oasis-su@oasis.example", password: PortalHistory.password, passcode: nil)
        try await f.sync()
        let unused = try contacts.accountsLastUsed(before: Timestamp(iso8601: "2026-11-19T00:00:00Z")!)
        #expect(Set(unused) == ["helpdesk-1", "procurement-1", "brokerage-1", "payments-1", "sunrise-su"])
        #expect(try contacts.accountsLastUsed(before: Timestamp(iso8601: "2026-11-21T00:00:00Z")!).last == "oasis-su")
    }
}
