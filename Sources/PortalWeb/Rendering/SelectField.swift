/// A select box of a form (GOV.UK "select"): label, hint, options with the chosen one selected.
struct SelectField: Sendable {
    struct Option: Sendable {
        var value: String
        var label: String
        var isSelected: Bool
    }

    var id: String
    var name: String
    var label: String
    var hint: String?
    var error: String?
    var options: [Option]

    init(id: String, name: String? = nil, label: String, hint: String? = nil, error: String? = nil,
         choices: [(value: String, label: String)], selected: String?) {
        self.id = id
        self.name = name ?? id
        self.label = label
        self.hint = hint
        self.error = error
        self.options = choices.map { Option(value: $0.value, label: $0.label, isSelected: $0.value == (selected ?? "")) }
    }
}
