import Synchronization

/// Which barrier was last written to PostgreSQL, and a way to wait for one.
public final class CheckpointProgress: Sendable {
    private struct State {
        var completed = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    public init() {}

    public var lastCompleted: Int { state.withLock { $0.completed } }

    public func complete(_ id: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.completed = max(state.completed, id)
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                guard waiter.id <= state.completed else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        ready.forEach { $0.resume() }
    }

    public func wait(for id: Int) async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.completed >= id { return true }
                state.waiters.append((id, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }
}
