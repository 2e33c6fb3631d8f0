/// A text input of a form (the `field` partial): label, hint, error, and the attributes that let browsers and
/// assistive technology fill it (WCAG 2.2 1.3.5 Identify Input Purpose).
struct FormField: Sendable {
    var id: String
    var name: String
    var label: String
    var type = "text"
    var value = ""
    var hint: String?
    var error: String?
    var autocomplete: String?
    var inputMode: String?
    /// `10`, `20` or `5`: a width in characters (GOV.UK's fixed-width inputs); nil for the full width.
    var width: String?
    var spellcheckOff = false
    /// The ids of the hint and the error message, for `aria-describedby`.
    var describedBy: String?

    init(id: String, name: String? = nil, label: String, type: String = "text", value: String = "", hint: String? = nil,
         error: String? = nil, autocomplete: String? = nil, inputMode: String? = nil, width: String? = nil, spellcheckOff: Bool = false) {
        self.id = id
        self.name = name ?? id
        self.label = label
        self.type = type
        self.value = value
        self.hint = hint
        self.error = error
        self.autocomplete = autocomplete
        self.inputMode = inputMode
        self.width = width
        self.spellcheckOff = spellcheckOff
        let described = [hint.map { _ in "\(id)-hint" }, error.map { _ in "\(id)-error" }].compactMap { $0 }
        self.describedBy = described.isEmpty ? nil : described.joined(separator: " ")
    }

    /// The same field showing `message` as its error.
    func failing(_ message: String) -> FormField {
        FormField(id: id, name: name, label: label, type: type, value: type == "password" ? "" : value, hint: hint, error: message,
                  autocomplete: autocomplete, inputMode: inputMode, width: width, spellcheckOff: spellcheckOff)
    }
}

/// A hidden input of a form.
struct HiddenInput: Sendable {
    var name: String
    var value: String
}
