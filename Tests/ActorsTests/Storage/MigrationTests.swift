import Actors
import Foundation
import PostgresNIO
import Testing

/// The migration runner against a real PostgreSQL.
@Suite(.timeLimit(.minutes(2)))
struct MigrationTests {
    /// The project's migrations apply to an empty database, and applying again changes nothing.
    @Test func applyTwice() async throws {
        let migrations = try ProjectRoot.migrations
        #expect(migrations.first?.name == "001_initial.sql")
        try await TestDatabase.withEmptyDatabase { _, client in
            let runner = MigrationRunner(client: client, logger: TestDatabase.logger)
            let first = try await runner.apply(migrations)
            #expect(first == migrations)
            let second = try await runner.apply(migrations)
            #expect(second.isEmpty)
            #expect(try await Self.tables(client) == [
                "device_keys", "mode_transitions", "oauth_states", "partition_owners", "processor_offsets", "provider_accounts", "schema_migrations", "user_state",
            ])
            let recorded = try await client.query("SELECT count(*)::int FROM schema_migrations")
            for try await count in recorded.decode(Int.self) { #expect(count == migrations.count) }

            // The keyword columns work as the processor will use them.
            try await client.query("""
                INSERT INTO processor_offsets (consumer_group, topic, "partition", "offset") VALUES ('g', 'biometric-events', 3, 42)
                """)
            let offsets = try await client.query("SELECT \"offset\" FROM processor_offsets WHERE \"partition\" = 3")
            for try await offset in offsets.decode(Int64.self) { #expect(offset == 42) }

            // User states stay inline, and their checkpoint rewrites stay on their page.
            let options = try await client.query("SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'user_state'")
            for try await text in options.decode(String.self) {
                #expect(Set(text.split(separator: ",")) == ["toast_tuple_target=8160", "fillfactor=50"])
            }
        }
    }

    /// A broken migration rolls back whole, with an error naming the file, the line and PostgreSQL's message.
    @Test func brokenMigrationRollsBack() async throws {
        let project = try ProjectRoot.migrations
        let migrations = project + [Migration(version: 900, name: "900_broken.sql", sql: """
            CREATE TABLE half_done (id integer);

            -- the next statement is wrong
            INSERT INTO no_such_table VALUES (1);
            """)]
        try await TestDatabase.withEmptyDatabase { _, client in
            let runner = MigrationRunner(client: client, logger: TestDatabase.logger)
            do {
                try await runner.apply(migrations)
                Issue.record("a broken migration was applied")
            } catch let error as StorageError {
                #expect(error.description.contains("900_broken.sql"))
                #expect(error.description.contains("line 4"))
                #expect(error.description.contains("no_such_table"))
                #expect(error.description.contains("rolled back"))
            }
            let tables = try await Self.tables(client)
            #expect(!tables.contains("half_done"), "the broken migration's first statement was rolled back")
            #expect(tables.contains("user_state"), "earlier migrations stay applied")
            let recorded = try await client.query("SELECT max(\"version\")::int FROM schema_migrations")
            for try await version in recorded.decode(Int.self) { #expect(version == project.last?.version) }
        }
    }

    /// An applied migration whose file changed is refused.
    @Test func editedMigrationIsRefused() async throws {
        let original = Migration(version: 1, name: "001_t.sql", sql: "CREATE TABLE t (id integer)")
        let edited = Migration(version: 1, name: "001_t.sql", sql: "CREATE TABLE t (id bigint)")
        try await TestDatabase.withEmptyDatabase { _, client in
            let runner = MigrationRunner(client: client, logger: TestDatabase.logger)
            try await runner.apply([original])
            await #expect(throws: StorageError.self) { try await runner.apply([edited]) }
        }
    }

    /// An unreachable database is a clear error within the time limit.
    @Test func unreachableDatabase() async throws {
        var settings = PostgresSettings(host: "127.0.0.1", port: 1, user: "nobody", password: nil, database: "none")
        settings.connectTimeout = .seconds(1)
        let started = ContinuousClock.now
        do {
            try await PostgresSession.with(settings, logger: TestDatabase.logger, reachableWithin: .seconds(3)) { _ in }
            Issue.record("connected to nothing")
        } catch {
            #expect("\(error)".contains("127.0.0.1:1"))
        }
        // A hang is what this rules out. The bound is far above the 3 s limit
        // because at the suite's start every test competes for the two
        // threads of the cooperative pool, and the deadline's timer with them
        // (12 s was seen in a clean-clone CI run).
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    /// Migration files must be numbered and unique.
    @Test func fileNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "SELECT 1".write(to: folder.appendingPathComponent("002_b.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1".write(to: folder.appendingPathComponent("001_a.sql"), atomically: true, encoding: .utf8)
        #expect(try Migration.load(from: folder).map(\.version) == [1, 2])
        try "SELECT 1".write(to: folder.appendingPathComponent("002_c.sql"), atomically: true, encoding: .utf8)
        #expect(throws: StorageError.self) { try Migration.load(from: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("002_c.sql"))
        try "SELECT 1".write(to: folder.appendingPathComponent("latest.sql"), atomically: true, encoding: .utf8)
        #expect(throws: StorageError.self) { try Migration.load(from: folder) }
    }

    private static func tables(_ client: PostgresClient) async throws -> [String] {
        let rows = try await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        var names: [String] = []
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }
}
