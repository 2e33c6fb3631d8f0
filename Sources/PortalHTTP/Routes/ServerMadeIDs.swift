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
