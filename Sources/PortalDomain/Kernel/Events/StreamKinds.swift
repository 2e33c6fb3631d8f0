extension EventRegistry {
    /// Every kind of stream, one per category. The audit tool folds any stream by its category; the
    /// projection engine treats these categories as the domain's own.
    public static let streamKinds: [any EventStream.Type] = [
        Organisation.self,
        Contract.self,
        Service.self,
        User.self,
        ISO.self,
        CPLI.self,
        Actuals.self,
        PeriodLocks.self,
        Imports.self,
        Deployment.self,
    ]

    /// The kind of stream whose ids start with `category-`.
    public static func streamKind(ofCategory category: String) -> (any EventStream.Type)? {
        streamKinds.first { $0.category == category }
    }

    /// The categories the domain owns.
    public static var categories: Set<String> { Set(streamKinds.map { $0.category }) }
}
