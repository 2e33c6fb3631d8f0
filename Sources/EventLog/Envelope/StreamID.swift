/// Rules for stream ids: what the log accepts and how it derives a stream's category.
public enum StreamID {
    /// Longest stream id in UTF-8 bytes (LMDB keys are at most 511 bytes, and the index adds 9).
    public static let maximumLength = 200

    /// The stream id up to its first `-`; the whole id when it has none.
    public static func category(of streamID: String) -> String {
        if let dash = streamID.utf8.firstIndex(of: UInt8(ascii: "-")) {
            return String(streamID[..<dash])
        }
        return streamID
    }

    /// Why `streamID` is not acceptable, or nil when it is.
    public static func problem(with streamID: String) -> String? {
        let bytes = streamID.utf8
        if bytes.isEmpty { return "is empty" }
        if bytes.count > maximumLength { return "is \(bytes.count) bytes long; the limit is \(maximumLength)" }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7f }) { return "contains a control character" }
        if bytes.contains(UInt8(ascii: " ")) { return "contains a space" }
        return nil
    }
}
