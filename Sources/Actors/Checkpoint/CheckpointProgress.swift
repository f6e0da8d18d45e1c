import Synchronization

/// Which barrier was last written to PostgreSQL, and a way to wait for one.
public final class CheckpointProgress: Sendable {
    private struct State {
        var completed = 0
        var waiters: [UInt64: (id: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    private let state = Mutex(State())
    private let waiterIDs = Atomic<UInt64>(0)

    public init() {}

    public var lastCompleted: Int { state.withLock { $0.completed } }

    public func complete(_ id: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.completed = max(state.completed, id)
            let ready = state.waiters.filter { $0.value.id <= state.completed }
            for key in ready.keys { state.waiters[key] = nil }
            return ready.values.map(\.continuation)
        }
        ready.forEach { $0.resume() }
    }

    /// Returns once barrier `id` is written — or at once when the task is
    /// cancelled: the run is ending, and nothing more will be written.
    public func wait(for id: Int) async {
        let waiter = waiterIDs.wrappingAdd(1, ordering: .relaxed).newValue
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state -> Bool in
                    if state.completed >= id || Task.isCancelled { return true }
                    state.waiters[waiter] = (id, continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: waiter) }?.continuation.resume()
        }
    }
}
