import Actors
import Foundation
import Logging
import PostgresNIO

/// A fresh, empty database on the server the environment names (the README's
/// test command runs the tests under `pg_virtualenv`), dropped afterwards.
enum TestDatabase {
    struct NotConfigured: Error, CustomStringConvertible {
        let description = "no PostgreSQL configured: run the tests with scripts/test (pg_virtualenv sets PGHOST and friends) or set DATABASE_URL"
    }

    static let logger = Logger(label: "auren.tests.postgres")

    static var serverSettings: PostgresSettings {
        get throws {
            let environment = ProcessInfo.processInfo.environment
            guard environment["DATABASE_URL"] != nil || environment["PGHOST"] != nil else { throw NotConfigured() }
            return try PostgresSettings.fromEnvironment(environment)
        }
    }

    static func withEmptyDatabase<T: Sendable>(_ body: @escaping @Sendable (PostgresSettings, PostgresClient) async throws -> T) async throws -> T {
        let server = try serverSettings
        let name = "test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        try await PostgresSession.with(server, logger: logger) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        let settings = server.with(database: name)
        do {
            let result = try await PostgresSession.with(settings, logger: logger) { client in try await body(settings, client) }
            try await drop(name, on: server)
            return result
        } catch {
            try? await drop(name, on: server)
            throw error
        }
    }

    /// An empty database with the project's migrations applied.
    static func withMigratedDatabase<T: Sendable>(_ body: @escaping @Sendable (PostgresSettings, PostgresClient) async throws -> T) async throws -> T {
        try await withEmptyDatabase { settings, client in
            let migrations = try ProjectRoot.migrations
            try await MigrationRunner(client: client, logger: logger).apply(migrations)
            return try await body(settings, client)
        }
    }

    private static func drop(_ name: String, on server: PostgresSettings) async throws {
        try await PostgresSession.with(server, logger: logger) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
    }
}
