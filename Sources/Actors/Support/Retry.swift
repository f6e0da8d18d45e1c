import Logging

/// Retries an operation against a dependency that may be briefly away
/// (PostgreSQL restarting, a held lock timing out), with capped exponential
/// back-off, until it succeeds, fails for good (a `RetriableError` that is
/// not, or a permanent `PostgresFailure`) or the task is cancelled. The stream waits meanwhile — back-pressure — rather
/// than dropping anything.
public enum Retry {
    public static func untilSuccess<T: Sendable>(
        _ what: String, logger: Logger, _ operation: @Sendable () async throws -> T
    ) async throws -> T {
        var delay = Duration.milliseconds(100)
        while true {
            do {
                return try await operation()
            } catch {
                try Task.checkCancellation()
                guard Self.isTransient(error) else {
                    logger.error("\(what) failed for good, not retrying: \(String(reflecting: error))")
                    throw error
                }
                logger.warning("\(what) failed, retrying in \(delay): \(String(reflecting: error))")
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? any RetriableError { return error.isRetriable }
        return PostgresFailure.isTransient(error)
    }
}
