import Actors
import ArgumentParser
import Foundation
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the SQL migrations of config/sql to PostgreSQL.",
        discussion: "Connects with DATABASE_URL, or else the PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).")

    @Option(help: "Folder of NNN_name.sql files (default: BRIDGE_MIGRATIONS_DIR or the checkout's config/sql).")
    var migrations: String?

    @Option(help: "Seconds to wait for PostgreSQL to answer.")
    var connectTimeout: Int = 10

    func run() async throws {
        let logger = Logger(label: "auren.migrate")
        let directory = try migrations.map { URL(fileURLWithPath: $0) } ?? Migration.defaultDirectory()
        let settings = try PostgresSettings.fromEnvironment()
        let (files, applied) = try await MigrationRunner.apply(from: directory, to: settings, logger: logger, reachableWithin: .seconds(connectTimeout))
        print(applied.isEmpty
            ? "\(settings): up to date (\(files.count) migrations)"
            : "\(settings): applied \(applied.map(\.name).joined(separator: ", "))")
    }
}
