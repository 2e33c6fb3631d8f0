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
