import Synchronization

/// Tells a dedicated thread to stop, and tells its owner when it has.
final class StopSignal: Sendable {
    private struct State {
        var finished = false
        var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    }

    private let requested = Atomic<Bool>(false)
    private let state = Mutex(State())
    private let waiterIDs = Atomic<UInt64>(0)

    var isRequested: Bool { requested.load(ordering: .acquiring) }

    func request() { requested.store(true, ordering: .releasing) }

    func markFinished() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once the thread finished. A cancelled task stops waiting at
    /// once (CancellationError); the thread goes on to its end.
    func finished() async throws {
        let id = waiterIDs.wrappingAdd(1, ordering: .relaxed).newValue
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let finished: Bool? = state.withLock { state in
                    if state.finished { return true }
                    if Task.isCancelled { return false }
                    state.waiters[id] = continuation
                    return nil
                }
                switch finished {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}
