import Actors
import Foundation
import Logging
import PostgresNIO
import Workbench

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

    /// The whole suite starts at once, and the first seconds' long
    /// computations (workloads of 100,000 envelopes) can hold both pool
    /// threads: connecting is allowed a minute here, not the service's 10 s.
    static let connectWithin: Duration = .seconds(60)

    static func withEmptyDatabase<T: Sendable>(_ body: @escaping @Sendable (PostgresSettings, PostgresClient) async throws -> T) async throws -> T {
        try await ScratchDatabase.with(on: try serverSettings, prefix: "test", logger: logger, reachableWithin: connectWithin) { settings in
            try await PostgresSession.with(settings, logger: logger, reachableWithin: connectWithin) { client in try await body(settings, client) }
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

    /// Holds the offsets table locked in a transaction of its own for
    /// `duration`, which blocks every checkpoint. Returns once the lock is
    /// held; the task ends with the lock.
    static func blockingCheckpoints(in settings: PostgresSettings, for duration: Duration) async -> Task<Void, any Error> {
        let (locked, lockHeld) = AsyncStream<Void>.makeStream()
        let holder = Task {
            defer { lockHeld.finish() }
            try await PostgresSession.with(settings, logger: logger) { client in
                try await client.withTransaction(logger: logger) { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "LOCK TABLE processor_offsets IN ACCESS EXCLUSIVE MODE"), logger: logger)
                    lockHeld.yield()
                    try await Task.sleep(for: duration)
                }
            }
        }
        // Held — or taking it failed, which the task's value reports.
        for await _ in locked { break }
        return holder
    }
}
