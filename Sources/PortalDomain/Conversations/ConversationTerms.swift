/// The type of a conversation ("action", R-CNV-1): the user guide's four types and the second council's action
/// types, all available under both policy profiles.
public enum ConversationType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case deathNotification = "death-notification"
    case information
    case query
    case respiteStay = "respite-stay"
    case paymentQuery = "payment-query"
    case cpliAmendment = "cpli-amendment"
    case cpliOutstanding = "cpli-outstanding"
    case thirdPartyAmendmentRequest = "third-party-amendment-request"
    case outstandingActuals = "outstanding-actuals"
    case debitBalanceCreditMemo = "debit-balance-credit-memo"
    case returnedInvoice = "returned-invoice"
    case rollingRespiteClaim = "rolling-respite-claim"
    case aplSupportedLivingVoidClaim = "apl-supported-living-void-claim"

    public var description: String { rawValue }

    /// What a conversation of this type may be related to, from the two councils' tables: a death
    /// notification or respite stay is about a client; a payment query about a contract, a client or an
    /// invoice; information and queries about anything.
    public var allowedRelatedTo: Set<RelatedTo> {
        switch self {
        case .information, .query: Set(RelatedTo.allCases)
        case .deathNotification, .respiteStay, .cpliAmendment, .cpliOutstanding: [.client]
        case .paymentQuery: [.contract, .client, .invoice]
        case .thirdPartyAmendmentRequest, .outstandingActuals, .debitBalanceCreditMemo, .rollingRespiteClaim: [.contract]
        case .returnedInvoice: [.invoice]
        case .aplSupportedLivingVoidClaim: [.service]
        }
    }
}

/// What a conversation is about (R-CNV-1). The entity id names a record of that kind:
/// - `contract`: a contract id; `value-commitment`: a block or framework contract (its block top-up and
///   unplanned absence levels); `spot-commitment`: a CPLI (care bought per client);
/// - `client`: a client reference of one of the provider's CPLIs; `service`, `invoice`: their ids;
/// - `contact`: the user id of a contact of the provider; `provider`: the organisation id itself.
public enum RelatedTo: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case contract
    case spotCommitment = "spot-commitment"
    case valueCommitment = "value-commitment"
    case client
    case service
    case invoice
    case contact
    case provider

    public var description: String { rawValue }
}

/// What the application found for a conversation's entity. Another organisation's record is reported as
/// ``notFound``, so a provider learns nothing of other providers' data (R-ROLE-2).
public enum EntityFacts: Sendable, Equatable {
    /// The entity exists and belongs to this organisation.
    case found(organisation: OrganisationID)
    case notFound
    /// The entity exists but is not of the kind asked for (e.g. a spot contract as a value commitment).
    case unsuitable(String)
}

/// One side of a conversation: the provider organisation, or a council team. Exactly one is set.
public struct ConversationParty: Sendable, Hashable, Codable, CustomStringConvertible {
    public var organisationID: OrganisationID?
    public var team: CouncilTeam?

    public static func provider(_ organisation: OrganisationID) -> Self { Self(organisationID: organisation, team: nil) }
    public static func team(_ team: CouncilTeam) -> Self { Self(organisationID: nil, team: team) }

    /// The party an actor writes as: a provider user as their organisation, council staff as their team; nil for
    /// anyone else.
    public static func of(_ actor: Actor) -> Self? {
        switch actor {
        case .provider(_, let organisation, _): .provider(organisation)
        case .council(_, let team): .team(team)
        case .auditor, .system, .operator, .job: nil
        }
    }

    public var description: String { team.map { "team \($0)" } ?? "provider \(organisationID?.rawValue ?? "?")" }
}

/// A file attached to a conversation message. The file itself is stored content-addressed by its SHA-256
/// under the data folder; the event holds only these facts (R-CNV).
public struct MessageAttachment: Sendable, Hashable, Codable {
    /// Largest file accepted: 10 MiB.
    public static let maximumSize = 10 * 1024 * 1024
    /// Most attachments on one message.
    public static let maximumPerMessage = 10
    /// Media types accepted: documents, spreadsheets, text and pictures.
    public static let allowedMediaTypes: Set<String> = [
        "application/pdf", "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
        "text/plain", "text/csv", "image/png", "image/jpeg",
    ]

    /// Lowercase hex SHA-256 of the content.
    public var sha256: String
    public var fileName: String
    /// Bytes.
    public var size: Int
    public var mediaType: String

    public init(sha256: String, fileName: String, size: Int, mediaType: String) {
        self.sha256 = sha256
        self.fileName = fileName
        self.size = size
        self.mediaType = mediaType
    }

    /// The attachment with a trimmed name and lowercased media type, or an error naming the field at fault.
    public func validated(field: String = "attachments") throws(DomainError) -> MessageAttachment {
        guard sha256.count == 64, sha256.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else {
            throw .invalidValue(field: field, "\(field): sha256 must be 64 lowercase hex digits")
        }
        let name = try TextInput.required(fileName, field: "\(field).fileName", maximumLength: 255)
        guard !name.contains("/"), !name.contains("\\"), name != ".", name != ".." else {
            throw .invalidValue(field: "\(field).fileName", "\(field): the file name '\(name)' may not contain a path")
        }
        guard size > 0 else { throw .invalidValue(field: "\(field).size", "\(field): \(name) is empty") }
        guard size <= Self.maximumSize else {
            throw .invalidValue(field: "\(field).size", "\(field): \(name) is \(size) bytes; the limit is \(Self.maximumSize) bytes (10 MiB)")
        }
        let type = mediaType.trimmingWhitespace.lowercased()
        guard Self.allowedMediaTypes.contains(type) else {
            throw .invalidValue(
                field: "\(field).mediaType", "\(field): \(name) is of type '\(mediaType)'; attach PDF, Word, Excel, OpenDocument, text, CSV, PNG or JPEG files")
        }
        return MessageAttachment(sha256: sha256, fileName: name, size: size, mediaType: type)
    }
}
