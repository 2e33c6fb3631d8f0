import Chronology
import Foundation
import PortalApplication
import PortalHTTP
import PortalDomain
import PortalProjections

/// What the invoice page shows, gathered once: the invoice as it stands (from its stream), its story (every
/// event with the state after it), the period's actuals behind each line (Planned, comments, flags), and the
/// conversations about it.
struct InvoiceStory {
    var invoice: Invoice.State
    var version: UInt64
    var steps: [StoryStep<Invoice.State>]
    /// Per CPLI: the period's Planned, the provider's comments by week, and the exception and pro-rata marks.
    var actuals: [CPLIID: LineActuals]
    var conversations: [ConversationEntry]
    var providerName: String
    var serviceName: String?

    struct LineActuals {
        var planned: Quantity = .zero
        var comments: [String] = []
        var exception = false
        var proRata = false
    }

    static func load(_ id: InvoiceID, web: WebPortal, models: PortalReadModels, actor: Actor) throws -> InvoiceStory? {
        let portal = web.api.portal
        guard let steps = try portal.invoiceStory(id, for: actor), let last = steps.last, last.state.invoiceID != nil else { return nil }
        let invoice = last.state
        let scope = ReadScope(actor)
        var actuals: [CPLIID: LineActuals] = [:]
        if let service = invoice.serviceID, let period = invoice.period {
            let weeks = try models.actualsCalendar.period(service, period, policy: portal.configuration.policy,
                                                          calendar: portal.configuration.calendar, scope)
            for week in weeks {
                for line in week.lines {
                    var entry = actuals[line.cpliID, default: LineActuals()]
                    entry.planned = entry.planned + line.values.planned
                    let comment = line.values.comment.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !comment.isEmpty { entry.comments.append("\(Formatting.shortDate(week.week.monday)): \(comment)") }
                    entry.exception = entry.exception || line.flags.exception
                    entry.proRata = entry.proRata || line.flags.proRata
                    actuals[line.cpliID] = entry
                }
            }
        }
        let organisation = invoice.organisationID
        let conversations = try organisation.map { organisation in
            try models.conversations.conversations(of: organisation, includingClosed: true, scope).filter { entry in
                entry.conversation.started?.relatedTo == .invoice && entry.conversation.started?.entityID == id.rawValue
            }
        } ?? []
        let providerName = try organisation.flatMap { try models.providers.organisation($0, scope)?.details.name } ?? organisation?.rawValue ?? ""
        let serviceName = try invoice.serviceID.flatMap { try models.providers.service($0, scope)?.details.name }
        return InvoiceStory(invoice: invoice, version: UInt64(steps.count), steps: steps, actuals: actuals, conversations: conversations,
                            providerName: providerName, serviceName: serviceName)
    }

    /// The invoice as the Payments Team first received it: after its first submission.
    var firstSubmitted: Invoice.State? {
        steps.first { $0.type == "InvoiceSubmitted" }?.state
    }
}
