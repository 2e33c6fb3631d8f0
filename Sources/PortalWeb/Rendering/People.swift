import Foundation
import PortalDomain
import PortalProjections

/// Names of the people behind user ids on a page (who submitted, who held), from the contacts read model,
/// looked up once each.
final class People {
    private let contacts: ContactQueries
    private let scope: ReadScope
    private var names: [String: String] = [:]

    init(contacts: ContactQueries, scope: ReadScope) {
        self.contacts = contacts
        self.scope = scope
    }

    /// The person's name, or the id itself for a system job or an account the reader may not see.
    func name(of who: String) -> String {
        if let known = names[who] { return known }
        var name = who
        if !who.hasPrefix("system:"), let entry = try? contacts.account(UserID(who), scope), let person = entry.account.person {
            name = "\(person.forename) \(person.surname)"
        }
        names[who] = name
        return name
    }

    /// Who wrote or did something, as the reader may know them: the person and the role or team they acted as
    /// ("Payments Team Officer (Payments Team)"); a council team alone to a provider, who does not see council
    /// staff's accounts ("Payments Team").
    func author(_ who: String, actingAs: String) -> String {
        let role = InvoicePage.actingAs(actingAs)
        let person = name(of: who)
        return person == who && actingAs.hasPrefix("team:") ? role : "\(person) (\(role))"
    }
}

extension WebPortal {
    func people(_ models: PortalReadModels, _ actor: Actor) -> People {
        People(contacts: models.contacts, scope: ReadScope(actor))
    }

    /// Percent-encodes a query component.
    static func escapeQuery(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
