import Synchronization

/// Counts outputs (mode switches, dead letters) produced but not yet
/// acknowledged by Kafka, per checkpoint epoch: a checkpoint commits its
/// offsets only when every output of the events before its barrier is safe.
/// The bookkeeping is `OutputTrackerStateMachine`'s; this shell holds it
/// under a lock and resumes the checkpoints it releases.
public final class OutputTracker: Sendable {
    public struct DeliveryFailed: Error, CustomStringConvertible {
        public let description: String
    }

    private let state = Mutex(OutputTrackerStateMachine<CheckedContinuation<Void, any Error>>())
    private let waiterIDs = Atomic<UInt64>(0)

    public init() {}

    public func begin(epoch: Int) {
        state.withLock { $0.begin(epoch: epoch) }
    }

    public func complete(epoch: Int, failure: String?) {
        Self.resume(state.withLock { $0.complete(epoch: epoch, failure: failure) })
    }

    /// Returns once nothing of `epoch` or before is outstanding; throws if a
    /// delivery failed, so the checkpoint is not written, or if the task is cancelled.
    public func drained(through epoch: Int) async throws {
        let id = waiterIDs.wrappingAdd(1, ordering: .relaxed).newValue
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                Self.resume(state.withLock { $0.wait(continuation, id: id, through: epoch, cancelled: Task.isCancelled) })
            }
        } onCancel: {
            state.withLock { $0.cancel(id) }?.resume(throwing: CancellationError())
        }
    }

    private static func resume(_ ready: OutputTrackerStateMachine<CheckedContinuation<Void, any Error>>.Ready) {
        for (waiter, outcome) in ready {
            switch outcome {
            case .drained: waiter.resume()
            case .failed(let failure): waiter.resume(throwing: DeliveryFailed(description: failure))
            case .cancelled: waiter.resume(throwing: CancellationError())
            }
        }
    }
}
