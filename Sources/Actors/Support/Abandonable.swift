import Synchronization

/// Awaits work that does not answer to cancellation — a PostgreSQL
/// statement waiting for a lock — without being held by it: a cancelled
/// caller gets CancellationError at once, and the work is left to finish
/// unobserved. That is what lets a task group end on its first failure.
/// The work is not cancelled: with its statement cancelled, a processor
/// stopped while PostgreSQL was locked did not exit until the lock was
/// released (seen under load); left running, the statement's transaction
/// is rolled back when the process exits.
/// (`Deadline` does the same when a time limit passes.)
public enum Abandonable {
    public static func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let pending = Pending<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                pending.waiting.withLock { $0 = continuation }
                Task {
                    do {
                        let value = try await operation()
                        pending.take()?.resume(returning: value)
                    } catch {
                        pending.take()?.resume(throwing: error)
                    }
                }
                if Task.isCancelled { pending.abandon() }
            }
        } onCancel: {
            pending.abandon()
        }
    }

    /// The caller's continuation, resumed by the work or by cancellation,
    /// whichever comes first.
    private final class Pending<T: Sendable>: Sendable {
        let waiting = Mutex<CheckedContinuation<T, any Error>?>(nil)

        func take() -> CheckedContinuation<T, any Error>? {
            waiting.withLock { continuation in
                defer { continuation = nil }
                return continuation
            }
        }

        func abandon() {
            take()?.resume(throwing: CancellationError())
        }
    }
}
