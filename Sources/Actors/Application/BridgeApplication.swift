import Logging
import Pipeline
import PostgresNIO
import ServiceLifecycle
import UnixSignals

/// One process of the bridge, assembled for its role: the database client,
/// the processor and its configuration watcher, the fetcher, the webhook
/// ingress and the HTTP server with its readiness checks, run as one service group that
/// SIGTERM drains and SIGHUP reloads.
public struct BridgeApplication: Sendable {
    private let role: BridgeRole
    private let settings: BridgeSettings
    private let cipher: StateCipher
    private let secrets: WebhookSecrets?
    private let logger: Logger

    /// `secrets` are needed by the roles that run the ingress.
    public init(role: BridgeRole, settings: BridgeSettings, cipher: StateCipher, secrets: WebhookSecrets?, logger: Logger) {
        self.role = role
        self.settings = settings
        self.cipher = cipher
        self.secrets = secrets
        self.logger = logger
    }

    public struct Refused: Error, CustomStringConvertible {
        public let description: String
    }

    /// Applies the migrations, then runs until SIGTERM or SIGINT (exit after
    /// a final checkpoint) or the first failure of a service (thrown).
    public func run() async throws {
        let logger = logger
        try await MigrationRunner.apply(from: settings.migrationsDirectory, to: settings.database, logger: logger)
        let client = PostgresClient(configuration: settings.database.clientConfiguration, backgroundLogger: logger)
        let metrics = BridgeMetrics()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client)]

        var processor: (service: StreamProcessor, watcher: ConfigurationWatcher?)?
        if role.runsProcessor {
            processor = try makeProcessor(client: client, metrics: metrics)
            services.append(.init(service: processor!.service, successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        let apis = settings.providers.map { provider in
            ProviderAPI(client: ProviderClient(settings: provider, policy: settings.fetcher.retry, metrics: metrics, logger: logger))
        }
        if role.runsFetcher {
            if apis.isEmpty { logger.warning("no provider API is configured (OURA_CLIENT_ID, WHOOP_CLIENT_ID): every notification will be dead-lettered") }
            let fetcher = FetcherService(settings: settings.fetcher, apis: apis, client: client, cipher: cipher, metrics: metrics, logger: logger)
            services.append(.init(service: fetcher, successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        var ingress: WebhookIngress?
        var connect: ConnectFlow?
        var agent: AgentAPI?
        if role.runsIngress {
            guard let secrets else { throw Refused(description: "the \(role.rawValue) role needs webhook secrets") }
            logger.info("webhook secrets: \(secrets)")
            let webhooks = try WebhookIngress(
                settings: settings.ingress, secrets: secrets, accounts: AccountStore(client: client, cipher: cipher, logger: logger),
                metrics: metrics, logger: logger)
            services.append(.init(service: webhooks.accountChanges))
            ingress = webhooks
            agent = AgentAPI(keys: secrets.agentAPIKeys, store: TransitionStore(client: client, logger: logger), logger: logger)
            if !apis.isEmpty {
                connect = ConnectFlow(apis: apis, connections: ConnectionStore(client: client, cipher: cipher, logger: logger),
                                      ingress: webhooks, settings: settings.ingress, logger: logger)
            }
        }

        let readiness = try makeReadiness(client: client, statistics: processor?.service.statistics)
        let http = try HTTPServer(
            router: BridgeRouter.make(
                ingress: ingress, connect: connect, agent: agent, processor: processor?.service.statistics, readiness: readiness, metrics: metrics),
            host: settings.httpHost, port: settings.httpPort, limits: settings.ingress.limits, tls: settings.httpTLS,
            readiness: readiness, logger: logger)
        services.append(.init(service: http, failureTerminationBehavior: .gracefullyShutdownGroup))

        let watcher = processor?.watcher
        let reloadOnHangUp = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { watcher?.reload() }
        }
        defer { reloadOnHangUp.cancel() }
        var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A stop never outlasts the processor's own limit by much: what is
        // still shutting down then (a database connection held by a write
        // waiting for a lock) is cancelled, and the next owner replays.
        group.maximumGracefulShutdownDuration = settings.processor.shutdownTimeout + .seconds(2)
        try await ServiceGroup(configuration: group).run()
        await ingress?.close()
    }

    private func makeProcessor(client: PostgresClient, metrics: BridgeMetrics) throws -> (service: StreamProcessor, watcher: ConfigurationWatcher?) {
        let thresholds = try settings.thresholdsPath.map(ConfigurationWatcher.load(path:)) ?? BridgeConfiguration()
        let store = ConfigurationStore(thresholds)
        let watcher = settings.thresholdsPath.map { ConfigurationWatcher(path: $0, store: store, logger: logger, metrics: metrics) }
        logger.info("thresholds \(settings.thresholdsPath ?? "built in"): version \(thresholds.version)")
        let processor = StreamProcessor(
            settings: settings.processor, client: client, configuration: store, watcher: watcher, cipher: cipher, logger: logger, metrics: metrics)
        return (processor, watcher)
    }

    /// Kafka with the events topic and PostgreSQL for every role; for a
    /// processor also partitions assigned and checkpoints going through.
    private func makeReadiness(client: PostgresClient, statistics: ProcessorStatistics?) throws -> Readiness {
        let admin = try KafkaAdmin(bootstrapServers: settings.processor.bootstrapServers, additionalProperties: settings.processor.kafkaProperties)
        let eventsTopic = settings.topics.events
        let database = settings.database
        var checks: [(name: String, check: Readiness.Check)] = [
            ("kafka", {
                guard try await admin.partitionCounts(timeout: .seconds(2))[eventsTopic] != nil else {
                    throw Refused(description: "the topic \(eventsTopic) does not exist")
                }
            }),
            ("database", { try await PostgresSession.checkReachable(client, database, within: .seconds(2)) }),
        ]
        if let statistics {
            checks.append(("partitions", {
                guard statistics.snapshot.ownedPartitions > 0 else { throw Refused(description: "no partitions assigned yet") }
            }))
            let limit = settings.readyCheckpointAge
            checks.append(("checkpoints", {
                guard statistics.uncheckpointedAge < limit else { throw Refused(description: "no checkpoint written for \(limit)") }
            }))
        }
        return Readiness(checks: checks)
    }
}
