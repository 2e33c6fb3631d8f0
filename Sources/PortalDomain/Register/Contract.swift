import Chronology

/// The contract types of the council's aborted-visit guide (R-ABT).
public enum ContractType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Spot / old block contract: an aborted visit pays its length, at most 30 minutes.
    case spotOldBlock = "spot-old-block"
    /// 2013 block contract: as spot / old block.
    case block2013 = "block-2013"
    /// 2015 block and framework contract: an aborted visit pays 50 % of its length.
    case block2015Framework = "block-2015-framework"

    public var description: String { rawValue }
}

/// How a contract's care is paid: from invoices of actuals, or by four-weekly scheduled payments (R-PAY-1).
public enum PaymentBasis: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case invoiced
    case scheduled
    public var description: String { rawValue }
}

/// `contract-<id>`: a contract between the council and a provider organisation, registered by procurement.
public enum Contract: EventStream {
    public static let category = "contract"

    public struct State: Codable, Equatable, Sendable {
        public var registration: ContractRegistered?
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// Registers the contract; `organisationIsRegistered` is read by the application from the organisation's stream.
        case register(ContractRegistered, organisationIsRegistered: Bool)

        public var requiredPermission: Permission { .edit(.providerRegister) }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [ContractEvent] {
        switch command {
        case .register(let registration, let organisationIsRegistered):
            guard state.registration == nil else {
                throw DomainError.duplicate(field: "contractID", "contract \(registration.contractID) is registered already")
            }
            guard organisationIsRegistered else {
                throw DomainError.notFound(field: "organisationID", "there is no organisation \(registration.organisationID)")
            }
            var checked = registration
            checked.name = try TextInput.required(registration.name, field: "name")
            if let end = registration.endDate, end < registration.startDate {
                throw DomainError.invalidValue(field: "endDate", "endDate \(end) is before startDate \(registration.startDate)")
            }
            return [.registered(checked)]
        }
    }

    public static func evolve(_ state: State, _ event: ContractEvent) -> State {
        switch event {
        case .registered(let e): State(registration: e)
        }
    }
}

public enum ContractEvent: StreamEvent {
    case registered(ContractRegistered)

    public static let payloadTypes: [any EventPayload.Type] = [ContractRegistered.self]

    public var payload: any EventPayload {
        switch self {
        case .registered(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        guard let p = payload as? ContractRegistered else { return nil }
        self = .registered(p)
    }
}

/// Procurement registered a contract with its type (R-ABT) and payment basis.
public struct ContractRegistered: EventPayload {
    public static let eventType = "ContractRegistered"
    public static let schemaVersion = 1
    public var contractID: ContractID
    public var organisationID: OrganisationID
    public var name: String
    public var contractType: ContractType
    public var paymentBasis: PaymentBasis
    public var startDate: BusinessDate
    public var endDate: BusinessDate?

    public init(
        contractID: ContractID, organisationID: OrganisationID, name: String, contractType: ContractType,
        paymentBasis: PaymentBasis, startDate: BusinessDate, endDate: BusinessDate? = nil
    ) {
        self.contractID = contractID
        self.organisationID = organisationID
        self.name = name
        self.contractType = contractType
        self.paymentBasis = paymentBasis
        self.startDate = startDate
        self.endDate = endDate
    }
}
