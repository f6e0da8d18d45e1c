import Synchronization

/// Bounds an operation in time, so an unreachable server becomes an error
/// instead of a hang.
public enum Deadline {
    public struct Exceeded: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `operation`; if it has not finished after `limit`, throws
    /// `Exceeded` with `what` in the message and cancels the operation without
    /// waiting for it — a client stuck in a connection back-off may take its
    /// time to notice.
    public static func run<T: Sendable>(
        _ what: String, within limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let waiting = Waiting<T>()
        return try await withCheckedThrowingContinuation { continuation in
            waiting.set(continuation)
            let work = Task {
                do {
                    let value = try await operation()
                    waiting.take()?.resume(returning: value)
                } catch {
                    waiting.take()?.resume(throwing: error)
                }
                // Done in time: no timer left sleeping out its limit.
                waiting.cancelTimer()
            }
            waiting.setTimer(Task {
                try? await Task.sleep(for: limit)
                if let late = waiting.take() {
                    work.cancel()
                    late.resume(throwing: Exceeded(description: "\(what) did not complete within \(limit)"))
                }
            })
        }
    }

    /// The caller's continuation, resumed by whichever finishes first, and
    /// the timer, cancelled when the work finishes first.
    private final class Waiting<T: Sendable>: Sendable {
        private let slot = Mutex<CheckedContinuation<T, any Error>?>(nil)
        private let timer = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

        func setTimer(_ task: Task<Void, Never>) {
            let cancelled = timer.withLock { timer in
                timer.task = task
                return timer.cancelled
            }
            if cancelled { task.cancel() }
        }

        func cancelTimer() {
            timer.withLock { timer in
                timer.cancelled = true
                return timer.task
            }?.cancel()
        }

        func set(_ continuation: CheckedContinuation<T, any Error>) { slot.withLock { $0 = continuation } }

        func take() -> CheckedContinuation<T, any Error>? {
            slot.withLock { continuation in
                defer { continuation = nil }
                return continuation
            }
        }
    }
}
