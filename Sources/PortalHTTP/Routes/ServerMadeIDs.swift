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
