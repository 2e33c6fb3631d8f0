import Synchronization

/// Wakes subscribers when the writer commits. It only says "look again": subscribers always read what is
/// committed from LMDB by position, so a missed or early wake-up can delay an event but never lose it.
final class CommitNotifier: Sendable {
    private struct Waiter {
        let threshold: UInt64
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var head: UInt64
        var nextToken = 0
        var waiters: [Int: Waiter] = [:]
        var cancelled = Set<Int>()
    }

    private let state: Mutex<State>

    init(head: UInt64) {
        state = Mutex(State(head: head))
    }

    /// The highest position committed by this process's writer (or found at open).
    var head: UInt64 { state.withLock { $0.head } }

    /// Records a commit and wakes every waiter waiting for a position at or below `head`.
    func advance(to head: UInt64) {
        let ready: [Waiter] = state.withLock { state in
            guard head > state.head else { return [] }
            state.head = head
            let due = state.waiters.filter { $0.value.threshold < head }
            for token in due.keys { state.waiters[token] = nil }
            return Array(due.values)
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Returns when an event after `position` has been committed, after `timeout`, or on cancellation.
    func wait(beyond position: UInt64, timeout: Duration) async {
        let token = state.withLock { state -> Int in
            state.nextToken += 1
            return state.nextToken
        }
        let timer = Task { [weak self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            self?.release(token)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.head > position || state.cancelled.remove(token) != nil { return true }
                    state.waiters[token] = Waiter(threshold: position, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            release(token)
        }
        timer.cancel()
        _ = state.withLock { $0.cancelled.remove(token) }
    }

    /// Wakes one waiter now (timeout or cancellation); remembers the token if it has not registered yet.
    private func release(_ token: Int) {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiters.removeValue(forKey: token) { return waiter }
            state.cancelled.insert(token)
            return nil
        }
        waiter?.continuation.resume()
    }
}
