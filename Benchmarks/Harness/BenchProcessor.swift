import Actors
import Foundation
import Logging
import Pipeline
import PostgresNIO
import ServiceLifecycle
import Workbench

/// What the processor benchmarks share: a migrated scratch database, a
/// processor run while a benchmark measures it, bounded waits, and the
/// process's memory.
enum BenchProcessor {
    /// Runs a processor with `settings` and a checkpoint interval of 1 s
    /// while `body` measures it, then stops it gracefully.
    static func with<T>(
        _ settings: ProcessorSettings, database: PostgresSettings, cipher: StateCipher, logger: Logger,
        _ body: (ProcessorStatistics, PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        var thresholds = BridgeConfiguration()
        thresholds.checkpoint.intervalSeconds = 1
        let processor = StreamProcessor(
            settings: settings, client: client, configuration: ConfigurationStore(thresholds), watcher: nil,
            cipher: cipher, logger: logger)
        let services = ServiceGroup(configuration: .init(
            services: [.init(service: client), .init(service: processor)], logger: logger))
        let running = Task { try await services.run() }
        let value: T
        do {
            value = try await body(processor.statistics, client)
        } catch {
            await services.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
        await services.triggerGracefulShutdown()
        try await running.value
        return value
    }

    /// A scratch database on `server` with the migrations applied, dropped after `body`.
    static func withMigratedDatabase<T: Sendable>(
        on server: PostgresSettings, prefix: String, logger: Logger, _ body: @escaping @Sendable (PostgresSettings) async throws -> T
    ) async throws -> T {
        try await ScratchDatabase.with(on: server, prefix: prefix, logger: logger) { database in
            let migrations = try Migration.load(from: Migration.defaultDirectory())
            try await PostgresSession.with(database, logger: logger) { client in
                try await MigrationRunner(client: client, logger: logger).apply(migrations)
            }
            return try await body(database)
        }
    }

    /// A run that stops making progress ends with an error that says what it
    /// waited for, not with a benchmark that never returns.
    struct Stalled: Error, CustomStringConvertible {
        let description: String
    }

    static func waitUntil(
        _ what: @autoclosure () -> String, within limit: Duration = .seconds(120), every interval: Duration = .milliseconds(1),
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + limit
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw Stalled(description: "waited \(limit) for \(what())") }
            try await Task.sleep(for: interval)
        }
    }

    /// The most this process has held in memory so far.
    static var peakResidentBytes: Int { statusKilobytes("VmHWM:") * 1024 }

    /// What this process holds in memory now.
    static var residentBytes: Int { statusKilobytes("VmRSS:") * 1024 }

    private static func statusKilobytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes
    }
}
