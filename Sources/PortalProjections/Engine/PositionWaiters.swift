import Synchronization

/// Tasks waiting until the engine has applied a log position (read-your-writes for the API).
final class PositionWaiters: Sendable {
    private struct Waiter {
        let target: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var reached: UInt64 = 0
        var next = 0
        var waiters: [Int: Waiter] = [:]
        var released = Set<Int>()
    }

    private let state = Mutex(State())

    var reached: UInt64 { state.withLock { $0.reached } }

    func advance(to position: UInt64) {
        let ready: [Waiter] = state.withLock { state in
            guard position > state.reached else { return [] }
            state.reached = position
            let due = state.waiters.filter { $0.value.target <= position }
            for token in due.keys { state.waiters[token] = nil }
            return Array(due.values)
        }
        for waiter in ready { waiter.continuation.resume(returning: true) }
    }

    /// True once `position` is reached; false after `timeout` or on cancellation.
    func wait(until position: UInt64, timeout: Duration) async -> Bool {
        let token = state.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        let timer = Task { [weak self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            self?.release(token)
        }
        defer {
            timer.cancel()
            _ = state.withLock { $0.released.remove(token) }
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLock { state -> Bool? in
                    if state.reached >= position { return true }
                    if state.released.remove(token) != nil { return false }
                    state.waiters[token] = Waiter(target: position, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            release(token)
        }
    }

    private func release(_ token: Int) {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiters.removeValue(forKey: token) { return waiter }
            state.released.insert(token)
            return nil
        }
        waiter?.continuation.resume(returning: false)
    }
}
