import Foundation
import Synchronization

/// Crossings between blocking calls on dedicated threads (librdkafka, child
/// processes) and Swift concurrency, so neither side blocks the other's threads.
package enum ThreadBridge {
    /// Runs `body` on Swift concurrency and blocks the calling thread until it
    /// finishes. Only for threads we own (the consumer's polling thread):
    /// never call it from the cooperative pool.
    package static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let pending = start(body)
        _ = pending.finished(within: nil)
        return try pending.result()
    }

    /// Starts `body` on Swift concurrency; a thread we own looks at it with
    /// `Pending.finished(within:)`, and can do other work meanwhile.
    package static func start<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Pending<T> {
        let pending = Pending<T>()
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            pending.outcome.withLock { $0 = result }
            pending.done.signal()
        }
        return pending
    }

    package final class Pending<T: Sendable>: Sendable {
        fileprivate let outcome = Mutex<Result<T, any Error>?>(nil)
        fileprivate let done = DispatchSemaphore(value: 0)

        /// Whether the work has finished, waiting for it at most `timeout`
        /// (nil: as long as it takes).
        package func finished(within timeout: Duration?) -> Bool {
            if outcome.withLock({ $0 != nil }) { return true }
            guard let timeout else {
                done.wait()
                return true
            }
            return done.wait(timeout: .now() + .milliseconds(Int(clamping: timeout.wholeMilliseconds))) == .success
        }

        /// What the work returned or threw; only once it has finished.
        package func result() throws -> T { try outcome.withLock { $0! }.get() }
    }

    /// Runs a blocking call on a thread of its own and awaits its result, so
    /// the cooperative pool is never blocked.
    package static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            startThread(named: "blocking-call") {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    /// Starts `body` on a thread of its own, named as `top -H` and `perf`
    /// show it (Linux keeps 15 bytes). Foundation on Linux does not apply a
    /// name set before `start()`, and the Glibc module does not export
    /// `pthread_setname_np`: such threads kept the name of the pool thread
    /// that created them. The thread names itself through procfs.
    package static func startThread(named name: String, _ body: @escaping @Sendable () -> Void) {
        Thread {
            try? String(decoding: name.utf8.prefix(15), as: UTF8.self).write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
            body()
        }.start()
    }
}
