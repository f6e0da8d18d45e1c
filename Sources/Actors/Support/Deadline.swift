/// Bounds an operation in time, so an unreachable server becomes an error
/// instead of a hang.
public enum Deadline {
    public struct Exceeded: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `operation`; if it has not finished after `limit`, throws
    /// `Exceeded` with `what` in the message and abandons the operation (see
    /// `Abandonable`): a client stuck in a connection back-off may take its
    /// time to notice.
    public static func run<T: Sendable>(
        _ what: String, within limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await Abandonable.run(operation) }
            group.addTask {
                try await Task.sleep(for: limit)
                throw Exceeded(description: "\(what) did not complete within \(limit)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
