import PortalDomain

extension ReadModelReader {
    /// The values of a table keyed `[organisation, …]` that `scope` may list: the provider's own organisation
    /// only (another organisation's listing is empty), or for the council `organisation`, or every
    /// organisation when it is nil. `rest` narrows the prefix below the organisation.
    func scopedValues<Value: Decodable>(
        _ type: Value.Type, _ table: String, _ scope: ReadScope, organisation: OrganisationID?,
        _ rest: [ReadModelKeyPart] = [], limit: Int = .max
    ) throws -> [Value] {
        guard let prefix = scopedPrefix(scope, organisation: organisation, rest) else { return [] }
        return try values(type, table, prefix: prefix, limit: limit)
    }

    /// The key prefix `[organisation, …rest]` a scope may read, or nil when it may read nothing.
    func scopedPrefix(_ scope: ReadScope, organisation: OrganisationID?, _ rest: [ReadModelKeyPart]) -> ReadModelKey? {
        let visible: OrganisationID?
        switch scope {
        case .organisation(let own):
            if let organisation, organisation != own { return nil }
            visible = own
        case .council:
            visible = organisation
        }
        var prefix = ReadModelKey()
        guard let visible else {
            precondition(rest.isEmpty, "a listing across organisations cannot narrow below the organisation")
            return prefix
        }
        prefix.append(.text(visible.rawValue))
        for part in rest { prefix.append(part) }
        return prefix
    }
}
