import Actors
import Foundation
import Logging
import Pipeline
import PostgresNIO
import ServiceLifecycle

/// `biometric-bridge demo`: the whole system on one machine. librdkafka's
/// mock cluster in-process, PostgreSQL (a scratch database on the configured
/// server, or a throw-away local cluster), simulated Oura and WHOOP clouds,
/// the real ingress, fetcher and processor in this process, and
/// `DemoScenario`'s users — half connected to Oura, half to WHOOP, through the
/// real connect flow — posting signed requests through HTTP on a
/// compressed clock. Ends by checking that nothing was lost or applied twice
/// and that every scripted switch happened.
public struct DemoRunner: Sendable {
    public struct Options: Sendable {
        public var users = 20
        /// Wall-clock length of the run.
        public var minutes = 1.0
        /// Simulated seconds per real second; by default the four scripted days fit in `minutes`.
        public var speed: Double?
        /// A server to create the scratch database on; nil starts a local cluster.
        public var database: PostgresSettings?
        /// Users drawn in the report.
        public var drawnUsers = 4

        public init() {}
    }

    let options: Options
    let logger: Logger
    let progress: DemoProgress

    public init(options: Options, logger: Logger, progress: DemoProgress) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    public func run() async throws -> DemoResult {
        if let server = options.database {
            progress.note("PostgreSQL: a scratch database on \(server)")
            return try await ScratchDatabase.with(on: server, prefix: "auren_demo", logger: logger) { database in
                try await run(database: database)
            }
        }
        progress.note("PostgreSQL: starting a throw-away local cluster (DATABASE_URL is not set)")
        let local = try await LocalPostgres.start(logger: logger)
        progress.note("PostgreSQL: \(local.settings) in \(local.folder.path), removed on exit")
        do {
            let result = try await run(database: local.settings)
            await local.stop()
            return result
        } catch {
            await local.stop()
            throw error
        }
    }

    private func run(database: PostgresSettings) async throws -> DemoResult {
        let logger = logger
        return try await PostgresSession.with(database, logger: logger, reachableWithin: .seconds(30)) { client in
            try await MigrationRunner(client: client, logger: logger).apply(try Migration.load(from: Migration.defaultDirectory()))
            return try await run(client: client)
        }
    }

    private func run(client: PostgresClient) async throws -> DemoResult {
        try await SimulatedProviderCloud.withOuraAndWhoop { oura, whoop in try await run(client: client, oura: oura, whoop: whoop) }
    }

    private func run(client: PostgresClient, oura: SimulatedProviderCloud, whoop: SimulatedProviderCloud) async throws -> DemoResult {
        let quiet = Logger(label: "auren.demo.quiet", factory: { _ in SwiftLogNoOpLogHandler() })
        // Short-lived access tokens, so the run shows refreshes.
        oura.setTokenLifetime(seconds: 75)
        whoop.setTokenLifetime(seconds: 75)
        progress.note("providers: simulated Oura at \(oura.url), WHOOP at \(whoop.url)")

        let topics = Topics()
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic(KafkaTopicSpecification(name: topics.events, partitions: 8))
        try cluster.createTopic(KafkaTopicSpecification(name: topics.deadLetters, partitions: 2))
        try cluster.createTopic(KafkaTopicSpecification(name: topics.switches, partitions: 4))
        try cluster.createTopic(KafkaTopicSpecification(name: topics.notifications, partitions: 4))
        progress.note("Kafka: librdkafka's mock cluster at \(cluster.bootstrapServers)")

        let cipher = try StateCipher.fromEnvironment([:], allowingDevelopmentKey: true, logger: quiet)
        let accounts = AccountStore(client: client, cipher: cipher, logger: logger)
        var deviceKeys: [[UInt8]] = []
        for user in 0..<options.users {
            deviceKeys.append(StandardWebhookSecret.decode(try await accounts.createDeviceKey(for: DemoScenario.userID(user)).secret)!)
        }

        let metrics = BridgeMetrics()
        // Four days pass in a minute here, so the providers' real budgets (WHOOP:
        // 100 requests a minute) would hold the compressed clock back; the
        // simulated clouds take any rate.
        let unlimited = ["OURA_RATE_LIMITS": "1000000/60s", "WHOOP_RATE_LIMITS": "1000000/60s"]
        let apis = try [oura, whoop].map { cloud in
            let settings = try ProviderAPISettings.fromEnvironment(cloud.provider, cloud.environment.merging(unlimited) { first, _ in first })!
            return ProviderAPI(client: ProviderClient(settings: settings, metrics: metrics, logger: logger))
        }
        var settings = ProcessorSettings(bootstrapServers: cluster.bootstrapServers, shards: 4)
        settings.group = "auren-demo"
        settings.progressInterval = .seconds(3600)
        var thresholds = DemoScenario.thresholds((try? ConfigurationWatcher.load(path: "config/biometric_thresholds.yaml")) ?? BridgeConfiguration())
        thresholds.checkpoint.intervalSeconds = 2
        let processor = StreamProcessor(settings: settings, client: client, configuration: ConfigurationStore(thresholds), watcher: nil,
                                        cipher: cipher, logger: logger)
        var fetcherSettings = FetcherSettings(bootstrapServers: cluster.bootstrapServers)
        fetcherSettings.group = "auren-demo-fetcher"
        let fetcher = FetcherService(settings: fetcherSettings, apis: apis, client: client, cipher: cipher, metrics: metrics, logger: logger)
        let processing = ServiceGroup(configuration: .init(services: [.init(service: processor), .init(service: fetcher)], logger: logger))
        let runningProcessor = Task { try await processing.run() }
        func stopProcessor() async {
            await processing.triggerGracefulShutdown()
            _ = try? await runningProcessor.value
        }

        var secrets = WebhookSecrets()
        secrets.whoopSecrets = [Array(whoop.clientSecret.utf8)]
        secrets.ouraSecrets = [Array(oura.clientSecret.utf8)]
        var ingressSettings = IngressSettings(bootstrapServers: cluster.bootstrapServers)
        ingressSettings.port = 0
        let ingress: EmbeddedIngress
        do {
            ingress = try await EmbeddedIngress.start(settings: ingressSettings, secrets: secrets, client: client, cipher: cipher, apis: apis, logger: logger)
        } catch {
            await stopProcessor()
            throw error
        }
        progress.note("ingress: http://127.0.0.1:\(ingress.port) (signed webhooks, connect flow), processor: 4 decide shards, fetcher")

        do {
            let sender = ScenarioSender(deviceKeys: deviceKeys, oura: oura, whoop: whoop)
            let connected = try await sender.connectUsers(bridge: "http://127.0.0.1:\(ingress.port)", progress: progress)
            progress.note("accounts: \(options.users) users with a HealthKit device key; \(connected) provider connections made through /connect → consent → callback")
            var (result, scenario) = try await drive(ingress: ingress, processor: processor, fetcher: fetcher, cluster: cluster, sender: sender)
            try await ingress.stop()
            // Stopping writes the final checkpoint: every switch is in PostgreSQL after it.
            await stopProcessor()
            result.processor = processor.statistics.snapshot
            result.switches = try await DemoChecks.storedSwitches(client, logger: logger)
            result.providers = [oura, whoop].map { cloud in
                DemoResult.ProviderActivity(
                    name: cloud.provider.displayName, connections: cloud.codeExchanges, apiRequests: cloud.apiRequests.count,
                    tokenRefreshes: cloud.refreshRequests, spentRefreshTokensPresented: cloud.spentRefreshTokensPresented,
                    outcomes: fetcher.statistics.outcomes(of: cloud.provider.rawValue))
            }
            let published = try await TopicSnapshot.read(topic: topics.switches, bootstrapServers: cluster.bootstrapServers, logger: logger)
            result.checks = checks(result, scenario: scenario) + [ModeSwitchContract.check(published)]
            return result
        } catch {
            try? await ingress.stop()
            await stopProcessor()
            throw error
        }
    }

    private func drive(
        ingress: EmbeddedIngress, processor: StreamProcessor, fetcher: FetcherService, cluster: KafkaMockCluster, sender: ScenarioSender
    ) async throws -> (DemoResult, DemoScenario) {
        // Send once the processor owns the partitions, so latencies measure the pipeline, not the group join.
        let joined = ContinuousClock.now
        while processor.statistics.snapshot.ownedPartitions == 0, ContinuousClock.now - joined < .seconds(30) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let scriptSeconds = Double(DemoScenario.scriptedSeconds)
        let speed = options.speed ?? scriptSeconds / (options.minutes * 60)
        let simulated = Int64(min(scriptSeconds, options.minutes * 60 * speed))
        let scenario = DemoScenario(users: options.users, start: Timestamp.now.adding(seconds: -Double(simulated)), seconds: simulated)
        let statistics = processor.statistics
        let driver = ScenarioDriver(port: ingress.port, sender: sender, progress: progress, decided: { statistics.snapshot.consumed })
        var result = try await driver.run(scenario, speed: speed, drawnUsers: options.drawnUsers) { result in
            // Every notification fetched (each names one record), then every record decided.
            let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrapServers)
            result.notifications = try await admin.recordCount(topic: Topics().notifications)
            let fetched = ContinuousClock.now
            while fetcher.statistics.finished < result.notifications, ContinuousClock.now - fetched < .seconds(60) {
                try await Task.sleep(for: .milliseconds(100))
            }
            result.recordsInTopic = try await admin.recordCount(topic: Topics().events)
            let caughtUp = ContinuousClock.now
            while statistics.snapshot.consumed < result.recordsInTopic, ContinuousClock.now - caughtUp < .seconds(60) {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        result.decisionLatency = statistics.latency
        return (result, scenario)
    }

    private func checks(_ result: DemoResult, scenario: DemoScenario) -> [DemoResult.Check] {
        let snapshot = result.processor
        let accounted = snapshot.processed + snapshot.deadLettered + snapshot.duplicates
        let fetched = result.providers.reduce(0) { $0 + $1.outcomes["fetched", default: 0] }
        let finished = Int64(result.providers.reduce(0) { $0 + $1.outcomes.values.reduce(0, +) })
        let failedFetches = result.providers.reduce(0) { $0 + $1.outcomes["dead_lettered", default: 0] }
        let refreshes = result.providers.reduce(0) { $0 + $1.tokenRefreshes }
        let spent = result.providers.reduce(0) { $0 + $1.spentRefreshTokensPresented }
        return [
            DemoChecks.everyRequestAnswered(result.answers),
            DemoChecks.oneRecordPerRequest(result, fetched: fetched),
            .init(name: "every notification fetched, no refresh token spent twice",
                  passed: finished == result.notifications && failedFetches == 0 && spent == 0,
                  detail: "\(finished) of \(result.notifications) notifications and backfills done, \(failedFetches) dead-lettered, "
                      + "\(refreshes) token refreshes, \(spent) spent refresh tokens presented"),
            .init(name: "every record consumed and accounted for", passed: Int64(snapshot.consumed) == result.recordsInTopic && accounted == snapshot.consumed,
                  detail: "\(snapshot.consumed) consumed = \(snapshot.processed) processed + \(snapshot.deadLettered) dead-lettered + \(snapshot.duplicates) duplicates"),
            .init(name: "each switch applied once", passed: result.switches.count == snapshot.modeSwitches,
                  detail: "\(snapshot.modeSwitches) decided, \(result.switches.count) rows in mode_transitions"),
            DemoChecks.scripted(result.switches, scenario: scenario),
        ]
    }
}
