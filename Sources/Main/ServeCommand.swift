import Actors
import ArgumentParser
import Foundation
import Logging
import Pipeline
import PostgresNIO
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the bridge service.",
        discussion: """
            Connection settings come from flags or the environment: KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL \
            (or PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), BRIDGE_CONFIG (the thresholds file), \
            BRIDGE_STATE_KEYS (id:base64 AES-256 keys for states at rest). Migrations are applied at start-up. \
            SIGTERM drains, writes a final checkpoint and exits 0; SIGHUP reloads the thresholds file.
            """)

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case all, ingress, processor
    }

    @Option(help: "What to run. The HTTP ingress is not built yet, so only processor runs today.")
    var role: Role = .processor

    @Option(help: "Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS).")
    var bootstrapServers: String?

    @Option(help: "Thresholds file (default: BRIDGE_CONFIG, else config/biometric_thresholds.yaml when present, else built-in defaults).")
    var config: String?

    @Option(help: "Consumer group id.")
    var group: String = "biometric-bridge-processor"

    @Option(help: "Decide shards (default: 2 × cores).")
    var shards: Int = 2 * ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Seconds without heartbeat before the group gives this member's partitions to another.")
    var sessionTimeout: Int = 10

    @Option(help: "Seconds between progress lines in the log.")
    var progressInterval: Int = 10

    @Option(help: "Records read past the last checkpoint barrier before reading waits for the previous checkpoint (bounds memory when PostgreSQL is slow).")
    var checkpointWindow: Int = 100_000

    func validate() throws {
        guard (1...256).contains(shards) else { throw ValidationError("--shards must be between 1 and 256") }
        guard (1...300).contains(sessionTimeout) else { throw ValidationError("--session-timeout must be between 1 and 300 seconds") }
        guard checkpointWindow >= 100 else { throw ValidationError("--checkpoint-window must be at least 100 records") }
    }

    func run() async throws {
        guard role == .processor else {
            throw ValidationError("--role \(role.rawValue) needs the HTTP ingress, which is not built yet; use --role processor")
        }
        let environment = ProcessInfo.processInfo.environment
        let logger = {
            var logger = Logger(label: "auren.processor")
            logger.logLevel = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return logger
        }()
        guard let servers = bootstrapServers ?? environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty else {
            throw ValidationError("set --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS")
        }

        let configPath = config ?? environment["BRIDGE_CONFIG"]
            ?? (FileManager.default.fileExists(atPath: "config/biometric_thresholds.yaml") ? "config/biometric_thresholds.yaml" : nil)
        let thresholds = try configPath.map(ConfigurationWatcher.load(path:)) ?? BridgeConfiguration()
        let store = ConfigurationStore(thresholds)
        let watcher = configPath.map { ConfigurationWatcher(path: $0, store: store, logger: logger) }
        logger.info("thresholds \(configPath ?? "built in"): version \(thresholds.version)")

        let database = try PostgresSettings.fromEnvironment(environment)
        let migrations = try Migration.load(from: Migration.defaultDirectory(environment: environment))
        try await PostgresSession.with(database, logger: logger) { client in
            try await MigrationRunner(client: client, logger: logger).apply(migrations)
        }

        var settings = ProcessorSettings(bootstrapServers: servers, shards: shards)
        settings.group = group
        settings.sessionTimeout = .seconds(sessionTimeout)
        settings.checkpointWindow = checkpointWindow
        settings.progressInterval = .seconds(max(1, progressInterval))
        settings.heartbeatInterval = .milliseconds(max(100, sessionTimeout * 1000 / 10))
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let processor = StreamProcessor(
            settings: settings, client: client, configuration: store, watcher: watcher,
            cipher: try StateCipher.fromEnvironment(environment, logger: logger), logger: logger)
        let reloadOnHangUp = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { watcher?.reload() }
        }
        defer { reloadOnHangUp.cancel() }
        let services = ServiceGroup(configuration: .init(
            services: [.init(service: client), .init(service: processor, successTerminationBehavior: .gracefullyShutdownGroup,
                                                      failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }
}
