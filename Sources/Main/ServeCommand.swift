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
            (or PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), HTTP_PORT, HTTP_MAX_BODY_BYTES, BRIDGE_CONFIG \
            (the thresholds file), BRIDGE_STATE_KEYS (id:base64 AES-256 keys for data at rest). Webhook secrets: \
            OURA_CLIENT_SECRET, OURA_VERIFICATION_TOKEN, WHOOP_CLIENT_SECRET, WEBHOOK_SECRET_<PROVIDER> (whsec_…), \
            HEALTHKIT_API_KEYS, each one value or several separated by commas, or the same keys in the YAML file \
            named by BRIDGE_SECRETS_FILE. Every role serves /health, /ready and /metrics; ingress and all also \
            the webhooks. Migrations are applied at start-up. SIGTERM stops accepting, drains, writes a final \
            checkpoint and exits 0; SIGHUP reloads the thresholds file.
            """)

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case all, ingress, processor
    }

    @Option(help: "What to run: the webhook ingress, the stream processor, or both in one process.")
    var role: Role = .all

    @OptionGroup var stateKeys: StateKeyOptions

    @Option(help: "HTTP port (default: HTTP_PORT, else 8080; 0 picks a free one and logs it).")
    var httpPort: Int?

    @Option(help: "HTTP listen address.")
    var httpHost: String = "0.0.0.0"

    @Option(help: "Open HTTP connections at most; more wait in the listen backlog.")
    var httpMaxConnections: Int = 4_096

    @Option(help: "Seconds an HTTP connection may stay silent before it is closed.")
    var httpIdleTimeout: Int = 30

    @Option(help: "Seconds a request body may take to arrive before the request is answered 408.")
    var httpBodyTimeout: Int = 10

    @Option(name: .customLong("kafka-property"), help: "A librdkafka property KEY=VALUE for every Kafka client (TLS, SASL, tuning); repeatable.")
    var kafkaProperties: [String] = []

    @Option(help: "Seconds the ingress waits for Kafka to acknowledge a request's record before answering 503.")
    var produceTimeout: Double = 5

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

    @Option(help: "User states kept in memory at most (about 9 KB each); past it, the least recently used clean ones are dropped and loaded again when needed.")
    var maxResidentUsers: Int = 250_000

    @Option(help: "Seconds a record read may wait for its checkpoint before /ready answers 503 (PostgreSQL unwritable); ready again once checkpoints go through.")
    var readyCheckpointAge: Int = 60

    @Option(help: "Seconds SIGTERM waits for the final checkpoint; past them (PostgreSQL or Kafka unreachable) the processor exits non-zero without it, and the next owner replays from the last checkpoint.")
    var shutdownTimeout: Int = 30

    func validate() throws {
        guard (1...256).contains(shards) else { throw ValidationError("--shards must be between 1 and 256") }
        guard (1...300).contains(sessionTimeout) else { throw ValidationError("--session-timeout must be between 1 and 300 seconds") }
        guard (100...10_000_000).contains(checkpointWindow) else { throw ValidationError("--checkpoint-window must be between 100 and 10,000,000 records") }
        guard (1...1_000_000).contains(httpMaxConnections) else { throw ValidationError("--http-max-connections must be between 1 and 1,000,000") }
        guard (1...3_600).contains(httpIdleTimeout) else { throw ValidationError("--http-idle-timeout must be between 1 and 3,600 seconds") }
        guard (1...600).contains(httpBodyTimeout) else { throw ValidationError("--http-body-timeout must be between 1 and 600 seconds") }
        // A connection waiting for its body reads nothing: it must not count as idle first.
        guard httpBodyTimeout < httpIdleTimeout else { throw ValidationError("--http-body-timeout must be shorter than --http-idle-timeout") }
        guard (1_000...100_000_000).contains(maxResidentUsers) else { throw ValidationError("--max-resident-users must be between 1,000 and 100,000,000") }
        guard (1...86_400).contains(readyCheckpointAge) else { throw ValidationError("--ready-checkpoint-age must be between 1 and 86,400 seconds") }
        guard (1...600).contains(shutdownTimeout) else { throw ValidationError("--shutdown-timeout must be between 1 and 600 seconds") }
        guard (1...86_400).contains(progressInterval) else { throw ValidationError("--progress-interval must be between 1 and 86,400 seconds") }
        guard (0.1...120).contains(produceTimeout) else { throw ValidationError("--produce-timeout must be between 0.1 and 120 seconds") }
        for property in kafkaProperties where !property.contains("=") {
            throw ValidationError("--kafka-property takes KEY=VALUE, not '\(property)'")
        }
    }

    private var librdkafkaProperties: [String: String] {
        Dictionary(kafkaProperties.map { property in
            let parts = property.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }) { _, last in last }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let logger = Logger(label: "auren.\(role.rawValue)")
        guard let servers = bootstrapServers ?? environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty else {
            throw ValidationError("set --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS")
        }
        let port = try httpPort ?? environment["HTTP_PORT"].map { text in
            guard let port = Int(text), (0...65535).contains(port) else { throw ValidationError("HTTP_PORT must be a port number") }
            return port
        } ?? 8080
        let secrets = try role == .processor ? nil : WebhookSecrets.load(environment: environment)

        let cipher = try stateKeys.cipher(environment, logger: logger)
        let database = try PostgresSettings.fromEnvironment(environment)
        let migrations = try Migration.load(from: Migration.defaultDirectory(environment: environment))
        try await PostgresSession.with(database, logger: logger) { client in
            try await MigrationRunner(client: client, logger: logger).apply(migrations)
        }
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        let metrics = BridgeMetrics()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client)]

        var watcher: ConfigurationWatcher?
        var processorStatistics: ProcessorStatistics?
        if role != .ingress {
            let processor = try makeProcessor(servers: servers, client: client, cipher: cipher, metrics: metrics, environment: environment, logger: logger)
            watcher = processor.watcher
            processorStatistics = processor.service.statistics
            services.append(.init(service: processor.service, successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        var ingress: WebhookIngress?
        if let secrets {
            logger.info("webhook secrets: \(secrets)")
            var settings = IngressSettings(bootstrapServers: servers)
            settings.limits = httpLimits
            settings.kafkaProperties = librdkafkaProperties
            settings.produceTimeout = .milliseconds(Int(produceTimeout * 1000))
            if let limit = environment["HTTP_MAX_BODY_BYTES"] {
                guard let bytes = Int(limit), bytes > 0 else { throw ValidationError("HTTP_MAX_BODY_BYTES must be a positive number") }
                settings.maxBodyBytes = bytes
            }
            let webhooks = try WebhookIngress(
                settings: settings, secrets: secrets, accounts: AccountStore(client: client, cipher: cipher, logger: logger),
                metrics: metrics, logger: logger)
            services.append(.init(service: webhooks.accountChanges))
            ingress = webhooks
        }

        let admin = try KafkaAdmin(bootstrapServers: servers, additionalProperties: librdkafkaProperties)
        var checks: [(name: String, check: Readiness.Check)] = [
            ("kafka", {
                guard try await admin.partitionCounts(timeout: .seconds(2))["biometric-events"] != nil else {
                    throw ValidationError("the topic biometric-events does not exist")
                }
            }),
            ("database", { try await PostgresSession.checkReachable(client, database, within: .seconds(2)) }),
        ]
        if let processorStatistics {
            checks.append(("partitions", {
                guard processorStatistics.snapshot.ownedPartitions > 0 else { throw ValidationError("no partitions assigned yet") }
            }))
            let limit = Duration.seconds(readyCheckpointAge)
            checks.append(("checkpoints", {
                guard processorStatistics.uncheckpointedAge < limit else { throw ValidationError("no checkpoint written for \(limit)") }
            }))
        }
        let readiness = Readiness(checks: checks)
        let http = HTTPServer(router: BridgeRouter.make(ingress: ingress, processor: processorStatistics, readiness: readiness, metrics: metrics),
                              host: httpHost, port: port, limits: httpLimits, readiness: readiness, logger: logger)
        services.append(.init(service: http, failureTerminationBehavior: .gracefullyShutdownGroup))

        let reloadOnHangUp = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { watcher?.reload() }
        }
        defer { reloadOnHangUp.cancel() }
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
        await ingress?.close()
    }

    private var httpLimits: HTTPLimits {
        var limits = HTTPLimits()
        limits.maxConnections = httpMaxConnections
        limits.idleTimeout = .seconds(httpIdleTimeout)
        limits.bodyReadTimeout = .seconds(httpBodyTimeout)
        return limits
    }

    private func makeProcessor(
        servers: String, client: PostgresClient, cipher: StateCipher, metrics: BridgeMetrics, environment: [String: String], logger: Logger
    ) throws -> (service: StreamProcessor, watcher: ConfigurationWatcher?) {
        let configPath = config ?? environment["BRIDGE_CONFIG"]
            ?? (FileManager.default.fileExists(atPath: "config/biometric_thresholds.yaml") ? "config/biometric_thresholds.yaml" : nil)
        let thresholds = try configPath.map(ConfigurationWatcher.load(path:)) ?? BridgeConfiguration()
        let store = ConfigurationStore(thresholds)
        let watcher = configPath.map { ConfigurationWatcher(path: $0, store: store, logger: logger, metrics: metrics) }
        logger.info("thresholds \(configPath ?? "built in"): version \(thresholds.version)")

        var settings = ProcessorSettings(bootstrapServers: servers, shards: shards)
        settings.group = group
        settings.sessionTimeout = .seconds(sessionTimeout)
        settings.checkpointWindow = checkpointWindow
        settings.progressInterval = .seconds(progressInterval)
        settings.shutdownTimeout = .seconds(shutdownTimeout)
        settings.maxResidentUsers = maxResidentUsers
        settings.heartbeatInterval = .milliseconds(max(100, sessionTimeout * 1000 / 10))
        settings.kafkaProperties = librdkafkaProperties
        let processor = StreamProcessor(
            settings: settings, client: client, configuration: store, watcher: watcher, cipher: cipher, logger: logger, metrics: metrics)
        return (processor, watcher)
    }
}
