import Actors
import Foundation
import Logging
import PostgresNIO

/// A database of its own on the configured server for one benchmark or test,
/// created empty and dropped afterwards, whatever happened in between.
public enum ScratchDatabase {
    public static func with<T: Sendable>(
        on server: PostgresSettings, prefix: String, logger: Logger, reachableWithin limit: Duration = .seconds(10),
        _ body: @escaping @Sendable (PostgresSettings) async throws -> T
    ) async throws -> T {
        let name = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        try await PostgresSession.with(server, logger: logger, reachableWithin: limit) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        do {
            let result = try await body(server.with(database: name))
            try await drop(name, on: server, logger: logger)
            return result
        } catch {
            try? await drop(name, on: server, logger: logger)
            throw error
        }
    }

    private static func drop(_ name: String, on server: PostgresSettings, logger: Logger) async throws {
        try await PostgresSession.with(server, logger: logger) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }
}
