import Foundation
import Logging
import PostgresNIO

/// Applies numbered migrations, each in its own transaction, and records them
/// in `schema_migrations`. Applying twice is a no-op; a failing migration
/// rolls back whole and stops the run; an applied file that changed since is
/// refused rather than silently skipped. An advisory lock keeps two replicas
/// starting together from racing.
public struct MigrationRunner: Sendable {
    /// Arbitrary but fixed: identifies "schema migration" among advisory locks.
    private static let advisoryLockKey: Int64 = 0x4155_5245_4E5F_4D47

    private let client: PostgresClient
    private let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Connects to `database`, applies every migration in `directory` and
    /// returns them with those this call applied: what every role, `migrate`
    /// and `accounts` do first.
    @discardableResult
    public static func apply(
        from directory: URL, to database: PostgresSettings, logger: Logger, reachableWithin limit: Duration = .seconds(10)
    ) async throws -> (all: [Migration], applied: [Migration]) {
        let migrations = try Migration.load(from: directory)
        let applied = try await PostgresSession.with(database, logger: logger, reachableWithin: limit) { client in
            try await MigrationRunner(client: client, logger: logger).apply(migrations)
        }
        return (migrations, applied)
    }

    /// Returns the migrations this call applied (empty when up to date).
    @discardableResult
    public func apply(_ migrations: [Migration]) async throws -> [Migration] {
        try await client.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                "version" integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        var applied: [Migration] = []
        for migration in migrations where try await apply(migration) {
            applied.append(migration)
        }
        return applied
    }

    private func apply(_ migration: Migration) async throws -> Bool {
        let statements = SQLScript.statements(in: migration.sql)
        do {
            return try await applyInTransaction(migration, statements)
        } catch let error as PostgresTransactionError {
            // Our own refusal, or the statement that failed, says more than the wrapper.
            if let reason = error.closureError as? StorageError { throw reason }
            throw StorageError("migration \(migration.name) could not be applied: \(String(reflecting: error)); rolled back")
        }
    }

    private func applyInTransaction(_ migration: Migration, _ statements: [SQLScript.Statement]) async throws -> Bool {
        let lockKey = Self.advisoryLockKey
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            let rows = try await connection.query(
                "SELECT checksum FROM schema_migrations WHERE \"version\" = \(migration.version)", logger: logger)
            for try await checksum in rows.decode(String.self) {
                guard checksum == migration.checksum else {
                    throw StorageError("migration \(migration.name) was applied with different content (checksum \(checksum.prefix(12))); add a new migration instead of editing an applied one")
                }
                return false
            }
            for statement in statements {
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: statement.sql), logger: logger)
                } catch let error as PSQLError {
                    throw StorageError("migration \(migration.name) failed at line \(statement.line): \(error.serverMessage); rolled back")
                }
            }
            try await connection.query("""
                INSERT INTO schema_migrations ("version", name, checksum)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                """, logger: logger)
            logger.info("applied migration \(migration.name)")
            return true
        }
    }
}

extension PSQLError {
    /// PostgreSQL's own message and SQLSTATE; `PSQLError`'s description hides
    /// them on purpose, but a migration's author needs them.
    var serverMessage: String {
        guard let info = serverInfo else { return "\(code)" }
        let message = info[.message] ?? "unknown error"
        let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
        return message + state
    }
}
