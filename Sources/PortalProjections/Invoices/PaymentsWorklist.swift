import Chronology
import Foundation
import PortalDomain

/// The Payments Team's worklist (R-INV-3): the invoices waiting for them — submitted or on hold — the one
/// waiting longest first, narrowed by filters and a search, a page at a time. One query for the JSON API
/// (`GET /payments/queue`) and the web page, so both show the same list.
public struct PaymentsWorklist: Sendable {
    /// What narrows the list. Every number is bounded by whoever builds it from a request.
    public struct Filter: Sendable, Equatable {
        /// `submitted`, `on-hold`, or both when empty.
        public var statuses: Set<InvoiceStatus> = []
        public var organisation: OrganisationID?
        /// Only invoices waiting at least this many days (since their submission or resubmission).
        public var minimumDaysWaiting: Int?
        public var minimumTotal: Money?
        public var maximumTotal: Money?
        /// Only invoices held by this user (the latest hold).
        public var heldBy: String?
        /// Words every one of which must appear (in any letter case) in the provider's name, the invoice's
        /// reference or id, or a line's client name or reference.
        public var search: String?

        public init() {}

        public static let statuses: Set<InvoiceStatus> = [.submitted, .onHold]
    }

    /// One invoice of the list, with what the list shows of it.
    public struct Item: Sendable, Equatable {
        public var entry: InvoiceEntry
        public var providerName: String
        /// When it joined the queue (submission or resubmission) and by whom.
        public var submitted: StepRecord?
        /// Whole days since it joined the queue, by the deployment's calendar.
        public var daysWaiting: Int
        /// The latest hold, while it is on hold.
        public var hold: HistoryStep?
        /// Waiting 30 days or more: the Prompt Payment Code's measure.
        public var isLate: Bool
    }

    /// One page of the list.
    public struct Page: Sendable, Equatable {
        public var items: [Item]
        /// Invoices matching the filter, on every page.
        public var matching: Int
        /// The cursor of the next page, nil on the last.
        public var next: String?
    }

    /// Days after which an invoice counts as paid late (the Prompt Payment Code's 30 days).
    public static let lateAfterDays = 30
    /// Largest page.
    public static let maximumPageSize = 200

    let invoices: InvoiceQueries
    let providers: ProviderQueries

    public init(invoices: InvoiceQueries, providers: ProviderQueries) {
        self.invoices = invoices
        self.providers = providers
    }

    /// The page of invoices after `cursor` (from the start when nil) matching `filter`, at most `limit`, as of
    /// `today`, counting days by `businessDate` (the deployment's calendar date of an instant). Empty for a
    /// provider's scope: this is a council screen.
    public func page(_ filter: Filter, after cursor: String? = nil, limit: Int = 50, today: BusinessDate,
                     businessDate: (Timestamp) -> BusinessDate, _ scope: ReadScope) throws -> Page {
        guard scope == .council else { return Page(items: [], matching: 0, next: nil) }
        let limit = min(max(limit, 1), Self.maximumPageSize)
        let names = Dictionary(try providers.organisations(scope).map { ($0.organisationID, $0.details.name) }, uniquingKeysWith: { first, _ in first })
        let words = (filter.search ?? "").lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        let statuses = filter.statuses.isEmpty ? Filter.statuses : filter.statuses
        var matching: [Item] = []
        for entry in try invoices.paymentsQueue(scope) where statuses.contains(entry.status) {
            let item = Self.item(entry, providerName: names[entry.organisationID] ?? entry.organisationID.rawValue, today: today,
                                 businessDate: businessDate)
            guard Self.matches(item, filter, words: words) else { continue }
            matching.append(item)
        }
        var start = 0
        if let cursor {
            guard let key = Self.key(ofCursor: cursor) else {
                throw DomainError.invalidValue(field: "after", "after '\(cursor)' is not a cursor of this list; start from the first page")
            }
            start = matching.firstIndex { Self.cursor(of: $0) > key } ?? matching.count
            if let index = matching.firstIndex(where: { Self.cursor(of: $0) == key }) { start = index + 1 }
        }
        let items = Array(matching[start..<min(start + limit, matching.count)])
        let next = start + limit < matching.count ? items.last.map { Self.encode(Self.cursor(of: $0)) } : nil
        return Page(items: items, matching: matching.count, next: next)
    }

    static func item(_ entry: InvoiceEntry, providerName: String, today: BusinessDate, businessDate: (Timestamp) -> BusinessDate) -> Item {
        let submitted = entry.history.last { ["InvoiceSubmitted", "InvoiceResubmitted", "SupplementaryInvoiceRaised"].contains($0.step.event) }?.step
        let waitingSince = entry.queuedAt.map(businessDate) ?? today
        let days = max(waitingSince.distance(to: today), 0)
        let hold = entry.status == .onHold ? entry.lastStep("InvoiceHeld") : nil
        return Item(entry: entry, providerName: providerName, submitted: submitted, daysWaiting: days, hold: hold,
                    isLate: days >= lateAfterDays)
    }

    static func matches(_ item: Item, _ filter: Filter, words: [String]) -> Bool {
        if let organisation = filter.organisation, item.entry.organisationID != organisation { return false }
        if let minimum = filter.minimumDaysWaiting, item.daysWaiting < minimum { return false }
        if let minimum = filter.minimumTotal, item.entry.invoice.total < minimum { return false }
        if let maximum = filter.maximumTotal, item.entry.invoice.total > maximum { return false }
        if let heldBy = filter.heldBy, item.hold?.step.who != heldBy { return false }
        guard !words.isEmpty else { return true }
        let invoice = item.entry.invoice
        var haystack = [item.providerName, invoice.reference, item.entry.invoiceID.rawValue]
        for line in invoice.lines { haystack += [line.clientName, line.clientReference] }
        let text = haystack.joined(separator: "\n").lowercased()
        return words.allSatisfy { text.contains($0) }
    }

    /// Where an item sits in the list: when it joined the queue, then provider and id (the queue's own order).
    static func cursor(of item: Item) -> CursorKey {
        CursorKey(queuedAt: item.entry.queuedAt?.microsecondsSince1970 ?? 0, organisation: item.entry.organisationID.rawValue,
                  invoice: item.entry.invoiceID.rawValue)
    }

    struct CursorKey: Codable, Comparable {
        var queuedAt: Int64
        var organisation: String
        var invoice: String

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.queuedAt, lhs.organisation, lhs.invoice) < (rhs.queuedAt, rhs.organisation, rhs.invoice)
        }
    }

    /// A cursor is opaque to callers: base64url of the position's JSON.
    static func encode(_ key: CursorKey) -> String {
        let data = (try? JSONEncoder().encode(key)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func key(ofCursor cursor: String) -> CursorKey? {
        guard cursor.count <= 512 else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode(CursorKey.self, from: data)
    }
}

extension PortalReadModels {
    /// The Payments Team's worklist.
    public var paymentsWorklist: PaymentsWorklist { PaymentsWorklist(invoices: invoices, providers: providers) }
}
