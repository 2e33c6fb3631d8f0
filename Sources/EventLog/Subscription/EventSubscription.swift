/// Events from a position onwards: first the backlog, then each event as it is committed, in position
/// order, each exactly once. It ends (returns nil) when the task is cancelled.
///
/// The subscription reads committed events from LMDB by position in short read transactions, so the
/// handover from backlog to live events has no gap and no duplicate, whatever the writers are doing.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    let log: EventLog
    let start: UInt64
    let category: String?
    let batchSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(log: log, next: Swift.max(start, 1), category: category, batchSize: batchSize)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let log: EventLog
        /// The next position to look at.
        var next: UInt64
        let category: String?
        let batchSize: Int
        var buffer: [RecordedEvent] = []
        var index = 0

        public mutating func next() async throws -> RecordedEvent? {
            while true {
                if index < buffer.count {
                    defer { index += 1 }
                    return buffer[index]
                }
                if Task.isCancelled { return nil }
                let searchedThrough: UInt64
                if let category {
                    (buffer, searchedThrough) = try log.readCategoryBatch(category, from: next, limit: batchSize)
                } else {
                    buffer = try log.readAll(from: next, limit: batchSize)
                    searchedThrough = buffer.last?.position ?? next - 1
                }
                index = 0
                next = Swift.max(next, searchedThrough + 1)
                if buffer.isEmpty {
                    await log.notifier.wait(beyond: next - 1, timeout: log.options.subscriptionPollInterval)
                }
            }
        }
    }
}

extension EventLog {
    /// Subscribes to every event from `position` (1: from the beginning), or only to one category's.
    public func subscribe(from position: UInt64 = 1, category: String? = nil, batchSize: Int = 512) -> EventSubscription {
        EventSubscription(log: self, start: position, category: category, batchSize: max(batchSize, 1))
    }
}

extension EventLog {
    /// Returns once an event after `position` has been committed by this process, after `timeout` (events
    /// appended by another process are noticed by the caller's next read), or when the task is cancelled.
    /// For followers that read in batches themselves, such as projections.
    public func waitForEvents(after position: UInt64, timeout: Duration) async {
        await notifier.wait(beyond: position, timeout: timeout)
    }
}
