import Synchronization

/// Counts outputs (mode switches, dead letters) produced but not yet
/// acknowledged by Kafka, per checkpoint epoch: a checkpoint commits its
/// offsets only when every output of the events before its barrier is safe.
public final class OutputTracker: Sendable {
    private struct State {
        var outstanding: [Int: Int] = [:]
        var failure: String?
        var waiters: [(epoch: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    public struct DeliveryFailed: Error, CustomStringConvertible {
        public let description: String
    }

    private let state = Mutex(State())

    public init() {}

    public func begin(epoch: Int) {
        state.withLock { $0.outstanding[epoch, default: 0] += 1 }
    }

    public func complete(epoch: Int, failure: String?) {
        let ready = state.withLock { state -> [(CheckedContinuation<Void, any Error>, (any Error)?)] in
            state.outstanding[epoch, default: 0] -= 1
            if state.outstanding[epoch] == 0 { state.outstanding[epoch] = nil }
            if let failure, state.failure == nil { state.failure = failure }
            return Self.release(&state)
        }
        for (continuation, error) in ready {
            if let error { continuation.resume(throwing: error) } else { continuation.resume() }
        }
    }

    /// Returns once nothing of `epoch` or before is outstanding; throws if a
    /// delivery failed, so the checkpoint is not written.
    public func drained(through epoch: Int) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = state.withLock { state -> [(CheckedContinuation<Void, any Error>, (any Error)?)] in
                state.waiters.append((epoch, continuation))
                return Self.release(&state)
            }
            for (waiter, error) in ready {
                if let error { waiter.resume(throwing: error) } else { waiter.resume() }
            }
        }
    }

    private static func release(_ state: inout State) -> [(CheckedContinuation<Void, any Error>, (any Error)?)] {
        var ready: [(CheckedContinuation<Void, any Error>, (any Error)?)] = []
        state.waiters.removeAll { waiter in
            if let failure = state.failure {
                ready.append((waiter.continuation, DeliveryFailed(description: failure)))
                return true
            }
            guard !state.outstanding.keys.contains(where: { $0 <= waiter.epoch }) else { return false }
            ready.append((waiter.continuation, nil))
            return true
        }
        return ready
    }
}
