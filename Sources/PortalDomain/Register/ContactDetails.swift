/// Name, address and contact numbers of an organisation or a service (R-CON-1 changes these).
public struct ContactDetails: Sendable, Hashable, Codable {
    public var name: String
    public var addressLines: [String]
    public var postcode: String
    public var telephone: String?
    public var email: String?

    public init(name: String, addressLines: [String], postcode: String, telephone: String? = nil, email: String? = nil) {
        self.name = name
        self.addressLines = addressLines
        self.postcode = postcode
        self.telephone = telephone
        self.email = email
    }

    /// The details with trimmed text, or an error naming the field at fault.
    public func validated() throws(DomainError) -> ContactDetails {
        var lines: [String] = []
        for line in addressLines {
            if let kept = try TextInput.optional(line, field: "addressLines") { lines.append(kept) }
        }
        var checkedEmail: String?
        if let email, !email.trimmingWhitespace.isEmpty { checkedEmail = try TextInput.email(email) }
        guard !lines.isEmpty, lines.count <= 6 else {
            throw .invalidValue(field: "addressLines", "addressLines: give 1 to 6 lines of address")
        }
        return ContactDetails(
            name: try TextInput.required(name, field: "name"),
            addressLines: lines,
            postcode: try TextInput.required(postcode, field: "postcode", maximumLength: 10).uppercased(),
            telephone: try TextInput.optional(telephone, field: "telephone", maximumLength: 30),
            email: checkedEmail)
    }
}
