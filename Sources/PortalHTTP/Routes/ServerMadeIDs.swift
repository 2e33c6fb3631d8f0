import Crypto
import Foundation
import PortalDomain

/// Ids the server makes when a create request names none (`Location` then names it): a prefix per kind of record
/// and 12 random hexadecimal digits.
extension PaymentRunID {
    public static func made() -> PaymentRunID { .made("run", from: UUID()) }
}

extension ConversationID {
    public static func made() -> ConversationID { .made("cnv", from: UUID()) }
}

extension InvoiceID {
    public static func made() -> InvoiceID { .made("inv", from: UUID()) }
}

extension ClaimID {
    public static func made() -> ClaimID { .made("claim", from: UUID()) }
}

extension UserID {
    public static func made() -> UserID { .made("user", from: UUID()) }
}

extension ChangeRequestID {
    public static func made() -> ChangeRequestID { .made("cr", from: UUID()) }
}

extension WriteRequest {
    /// The id a create request gives (`given`, checked and named by `field`), or one the server makes: `prefix`
    /// and 12 hexadecimal digits, derived from the request's `Idempotency-Key` when it has one (so that a retry
    /// names the same record), random otherwise. `Location` names it either way.
    func newID<ID: PortalIdentifier>(_ given: String?, field: String, prefix: String) throws -> ID {
        if let given { return try parsed { try ID.parse(given, field: field) } }
        guard let idempotencyKey else { return ID.made(prefix, from: UUID()) }
        let digest = Array(SHA256.hash(data: Data("\(actor.who)\n\(idempotencyKey)\n\(field)".utf8)))
        let uuid = UUID(uuid: (digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                               digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]))
        return ID.made(prefix, from: uuid)
    }
}
