import Foundation
import Synchronization

/// Crossings between blocking calls on dedicated threads (librdkafka, child
/// processes) and Swift concurrency, so neither side blocks the other's threads.
enum ThreadBridge {
    /// Runs `body` on Swift concurrency and blocks the calling thread until it
    /// finishes. Only for threads we own (the consumer's polling thread):
    /// never call it from the cooperative pool.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { outcome.set(.success(try await body())) } catch { outcome.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return try outcome.get()
    }

    /// Runs a blocking call on a thread of its own and awaits its result, so
    /// the cooperative pool is never blocked.
    static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            thread.name = "blocking-call"
            thread.start()
        }
    }

    private final class Outcome<T: Sendable>: Sendable {
        private let value = Mutex<Result<T, any Error>?>(nil)

        func set(_ result: Result<T, any Error>) { value.withLock { $0 = result } }

        func get() throws -> T { try value.withLock { $0! }.get() }
    }
}
