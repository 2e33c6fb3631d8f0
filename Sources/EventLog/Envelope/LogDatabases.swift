import LMDB

/// The named databases of a log. Data lives only in named databases (see LMDB-NOTES).
struct LogDatabases: Sendable {
    /// big-endian position → encoded record (written with `MDB_APPEND`).
    let events: LMDBDatabase
    /// stream id ‖ 0x00 ‖ big-endian version → big-endian position.
    let streams: LMDBDatabase
    /// stream id → big-endian current version.
    let streamHeads: LMDBDatabase
    /// 16-byte event id → big-endian position (the idempotency index).
    let eventIDs: LMDBDatabase
    /// category ‖ 0x00 ‖ big-endian position → empty.
    let categories: LMDBDatabase
    /// format marker; `merkle-leaves`: big-endian count of the leaves the stored Merkle tree covers.
    let meta: LMDBDatabase
    /// The Merkle tree's complete nodes above the leaves: big-endian index of the node's last leaf ‖ level (1 byte)
    /// → its 32-byte hash (``MerkleTree``), written with `MDB_APPEND`. Nil in a log written before the tree
    /// existed and opened read-only; proofs are then computed from the records.
    let merkle: LMDBDatabase?

    static let names = ["events", "streams", "stream-heads", "event-ids", "categories", "meta"]
    static let optionalNames = ["merkle"]

    init(_ environment: LMDBEnvironment) {
        events = environment.database("events")
        streams = environment.database("streams")
        streamHeads = environment.database("stream-heads")
        eventIDs = environment.database("event-ids")
        categories = environment.database("categories")
        meta = environment.database("meta")
        merkle = environment.optionalDatabase("merkle")
    }
}
