import Synchronization

/// Per-stream turns for commands that conflicted: an in-process, first-come-first-served async lock for each
/// stream id, taken only after an optimistic attempt of a command lost a race on that stream.
///
/// A command first decides and appends optimistically, holding nothing. When its append conflicts, it takes
/// the turn of every stream that conflicted (all it holds and the new one, in sorted order after releasing
/// the rest, so no two commands wait on each other), then decides and appends again while holding them: the
/// commands queued on a stream take turns instead of defeating each other. An optimistic attempt that read a
/// stream someone holds queues too, before its append, rather than racing the holder.
///
/// Waiting never blocks a thread: waiters are suspended tasks, resumed in order by the holder's release.
final class StreamLocks: Sendable {
    private struct State {
        /// The streams held, each with the tasks waiting for it, first come first.
        var held: [String: [CheckedContinuation<Void, Never>]] = [:]
    }

    private let state = Mutex(State())

    /// Whether another command holds the turn of `streamID` now.
    func isHeld(_ streamID: String) -> Bool {
        state.withLock { $0.held[streamID] != nil }
    }

    /// Takes the turn of every stream of `streamIDs`, in sorted order (callers must hold none of them).
    func acquire(_ streamIDs: Set<String>) async {
        for streamID in streamIDs.sorted() {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let free = state.withLock { state -> Bool in
                    guard state.held[streamID] != nil else {
                        state.held[streamID] = []
                        return true
                    }
                    state.held[streamID]!.append(continuation)
                    return false
                }
                if free { continuation.resume() }
            }
        }
    }

    /// Gives up the turns of `streamIDs`: each passes to its first waiter, or the stream is free.
    func release(_ streamIDs: Set<String>) {
        for streamID in streamIDs {
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard var waiters = state.held[streamID] else { return nil }
                guard !waiters.isEmpty else {
                    state.held[streamID] = nil
                    return nil
                }
                let first = waiters.removeFirst()
                state.held[streamID] = waiters
                return first
            }
            next?.resume()
        }
    }
}
