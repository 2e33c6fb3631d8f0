import Foundation

/// One OS thread that owns an environment's write transactions. Async callers hand it a closure and await
/// the result; the closure runs in a write transaction begun and committed on this thread, so no write
/// transaction ever crosses an `await` or a thread. A full map is grown and the closure run again.
public final class LMDBWriterThread: Sendable {
    private let environment: LMDBEnvironment
    private let queue: JobQueue

    public init(environment: LMDBEnvironment, name: String) {
        self.environment = environment
        let queue = JobQueue()
        self.queue = queue
        let thread = Thread { queue.run() }
        thread.name = name
        thread.start()
    }

    deinit { queue.close() }

    /// Runs the writes already handed over, then stops the thread. Later writes fail.
    public func close() { queue.close() }

    /// Runs `body` in one write transaction on the writer thread and returns its result once committed.
    /// `body` may run more than once (after the map grows): it must only use the transaction it is given.
    public func write<T: Sendable>(_ body: @escaping @Sendable (borrowing LMDBTransaction) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.enqueue { [environment] in
                continuation.resume(with: Result { try Self.writeGrowing(environment, body) })
            } orElse: {
                continuation.resume(throwing: LMDBStatus(code: ESHUTDOWN, operation: "write after the writer thread was closed"))
            }
        }
    }

    /// Runs `body` on the writer thread and blocks the calling thread until it is done. For callers that
    /// are not in an async context (opening a store); never call it from a task of the cooperative pool
    /// for long work, and never from the writer thread itself.
    public func writeBlocking<T>(_ body: @escaping (borrowing LMDBTransaction) throws -> T) throws -> T {
        let outcome = BlockingOutcome<T>()
        nonisolated(unsafe) let body = body
        let done = DispatchSemaphore(value: 0)
        queue.enqueue { [environment] in
            outcome.result = Result { try Self.writeGrowing(environment, body) }
            done.signal()
        } orElse: {
            outcome.result = .failure(LMDBStatus(code: ESHUTDOWN, operation: "write after the writer thread was closed"))
            done.signal()
        }
        done.wait()
        return try outcome.result!.get()
    }

    /// Runs `body` on the writer thread while every writer of the environment, in every process, is held off
    /// (a write transaction begun and then aborted: nothing is written), and blocks the calling thread until it
    /// is done. For a backup that must see two environments at one moment.
    public func holdingWritersOff<T>(_ body: @escaping (borrowing LMDBTransaction) throws -> T) throws -> T {
        let outcome = BlockingOutcome<T>()
        nonisolated(unsafe) let body = body
        let done = DispatchSemaphore(value: 0)
        queue.enqueue { [environment] in
            outcome.result = Result { try environment.withWritersHeldOff(body) }
            done.signal()
        } orElse: {
            outcome.result = .failure(LMDBStatus(code: ESHUTDOWN, operation: "write after the writer thread was closed"))
            done.signal()
        }
        done.wait()
        return try outcome.result!.get()
    }

    static func writeGrowing<T>(_ environment: LMDBEnvironment, _ body: (borrowing LMDBTransaction) throws -> T) throws -> T {
        var growths = 0
        while true {
            do {
                return try environment.write(body)
            } catch let status as LMDBStatus where status.isMapFull && growths < 32 {
                growths += 1
                try environment.growMap(toAtLeast: environment.nextMapSize)
            }
        }
    }
}

/// The result of a blocking write, handed from the writer thread to the waiting thread.
private final class BlockingOutcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// The writer thread's queue of jobs; the thread holds the queue, not the `LMDBWriterThread`, so dropping
/// the last reference to the writer closes it.
private final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var isClosing = false
    private let stopped = DispatchSemaphore(value: 0)

    func enqueue(_ job: @escaping () -> Void, orElse refuse: () -> Void) {
        condition.lock()
        guard !isClosing else {
            condition.unlock()
            refuse()
            return
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func close() {
        condition.lock()
        let wasClosing = isClosing
        isClosing = true
        condition.signal()
        condition.unlock()
        if !wasClosing { stopped.wait() }
    }

    func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !isClosing { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                stopped.signal()
                return
            }
            let batch = jobs
            jobs.removeAll()
            condition.unlock()
            for job in batch { job() }
        }
    }
}
