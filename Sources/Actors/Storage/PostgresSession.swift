import Logging
import PostgresNIO

/// Runs work against a `PostgresClient` whose `run()` loop lives exactly as
/// long as the work, after checking within a bounded time that the server
/// answers — an unreachable database is a clear error, never a hang.
public enum PostgresSession {
    @discardableResult
    public static func with<T: Sendable>(
        _ settings: PostgresSettings, logger: Logger, reachableWithin limit: Duration = .seconds(10),
        _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        // Not awaited when done: a client still retrying an unreachable server
        // winds down in the background instead of delaying the error.
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await checkReachable(client, settings, within: limit)
        return try await body(client)
    }

    public static func checkReachable(_ client: PostgresClient, _ settings: PostgresSettings, within limit: Duration) async throws {
        do {
            _ = try await Deadline.run("connecting to PostgreSQL at \(settings)", within: limit) {
                try await client.query("SELECT 1")
            }
        } catch let error as PSQLError {
            throw StorageError("PostgreSQL at \(settings) refused the connection: \(error.serverInfo == nil ? String(reflecting: error.underlying ?? error) : error.serverMessage)")
        }
    }
}
