import Actors
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Pipeline
import PostgresNIO
import ServiceLifecycle
import Synchronization

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
        let quiet = Logger(label: "auren.demo.quiet", factory: { _ in SwiftLogNoOpLogHandler() })
        let oura = try await SimulatedProviderCloud.start(.oura, logger: quiet)
        let whoop: SimulatedProviderCloud
        do {
            whoop = try await SimulatedProviderCloud.start(.whoop, logger: quiet)
        } catch {
            try? await oura.stop()
            throw error
        }
        do {
            let result = try await run(client: client, oura: oura, whoop: whoop)
            try await oura.stop()
            try await whoop.stop()
            return result
        } catch {
            try? await oura.stop()
            try? await whoop.stop()
            throw error
        }
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
            let connected = try await connectUsers(ingress: ingress, deviceKeys: deviceKeys, oura: oura, whoop: whoop)
            progress.note("accounts: \(options.users) users with a HealthKit device key; \(connected) provider connections made through /connect → consent → callback")
            var (result, scenario) = try await drive(ingress: ingress, processor: processor, fetcher: fetcher, cluster: cluster,
                                                     sender: Sender(deviceKeys: deviceKeys, oura: oura, whoop: whoop))
            try await ingress.stop()
            // Stopping writes the final checkpoint: every switch is in PostgreSQL after it.
            await stopProcessor()
            result.processor = processor.statistics.snapshot
            result.switches = try await storedSwitches(client)
            result.providers = [oura, whoop].map { cloud in
                DemoResult.ProviderActivity(
                    name: cloud.provider.displayName, connections: cloud.codeExchanges, apiRequests: cloud.apiRequests.count,
                    tokenRefreshes: cloud.refreshRequests, spentRefreshTokensPresented: cloud.spentRefreshTokensPresented,
                    outcomes: fetcher.statistics.outcomes(of: cloud.provider.rawValue))
            }
            result.checks = checks(result, scenario: scenario)
            return result
        } catch {
            try? await ingress.stop()
            await stopProcessor()
            throw error
        }
    }

    /// Each user connects their Oura or WHOOP account as from the app:
    /// `POST /connect/{provider}` signed with the device key, consent at the
    /// provider, the provider's redirect to the callback.
    private func connectUsers(ingress: EmbeddedIngress, deviceKeys: [[UInt8]], oura: SimulatedProviderCloud, whoop: SimulatedProviderCloud) async throws -> Int {
        let bridge = "http://127.0.0.1:\(ingress.port)"
        var connected = 0
        for user in 0..<options.users {
            let (cloud, login) = DemoScenario.wearsOura(user) ? (oura, DemoScenario.ouraID(user)) : (whoop, String(DemoScenario.whoopID(user)))
            let body = Array(#"{"user_id":"\#(DemoScenario.userID(user))"}"#.utf8)
            let id = "connect-\(cloud.provider.rawValue)-\(user)"
            let answer = try await Self.http(.POST, bridge + "/connect/\(cloud.provider.rawValue)",
                                             headers: SignedHeaders.standard(id: id, body: body, secret: deviceKeys[user]), body: body)
            guard answer.status == 200, let authorize = (try? JSONParser.parse(answer.body))?["authorize_url"]?.stringValue else {
                throw DemoFailure(description: "POST /connect/\(cloud.provider.rawValue) answered \(answer.status)")
            }
            let callback = try await cloud.consent(to: authorize, as: login)
            let page = try await Self.http(.GET, callback)
            guard page.status == 200 else { throw DemoFailure(description: "the \(cloud.provider.rawValue) callback answered \(page.status)") }
            connected += 1
            progress.update(fraction: Double(user + 1) / Double(options.users), counts: "\(connected) connections")
        }
        progress.finish()
        return connected
    }

    struct DemoFailure: Error, CustomStringConvertible {
        let description: String
    }

    private static func http(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8] = []) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), Array(try await response.body.collect(upTo: 1 << 20).readableBytesView))
    }

    /// Signs each delivery as its device or provider would, at sending time;
    /// a provider first stores the record its notification names.
    struct Sender: Sendable {
        let deviceKeys: [[UInt8]]
        let oura: SimulatedProviderCloud
        let whoop: SimulatedProviderCloud

        func request(_ delivery: DemoScenario.Delivery, id: String) -> [UInt8] {
            let whoopUser = String(DemoScenario.whoopID(delivery.user))
            switch delivery.record {
            case .whoopSleep(let id, let json):
                whoop.addWhoopSleep(user: whoopUser, id: id, end: delivery.time.description, json: json)
            case .whoopRecovery(let sleepID, let cycleID, let json):
                whoop.addWhoopRecovery(user: whoopUser, cycleID: cycleID, sleepID: sleepID, createdAt: delivery.time.description, json: json, scored: true)
            case .ouraReadiness(let id, let day, let json):
                oura.addOuraRecord(user: DemoScenario.ouraID(delivery.user), type: "daily_readiness", id: id, day: day, json: json)
            case nil:
                break
            }
            switch delivery.route {
            case .healthKit:
                return HTTPConnection.request(method: "POST", path: "/healthkit/batch",
                                              headers: SignedHeaders.standard(id: id, body: delivery.body, secret: deviceKeys[delivery.user]),
                                              body: delivery.body)
            case .whoop:
                return HTTPConnection.request(method: "POST", path: "/webhooks/whoop",
                                              headers: SignedHeaders.whoop(body: delivery.body, secret: Array(whoop.clientSecret.utf8)), body: delivery.body)
            case .oura:
                return HTTPConnection.request(method: "POST", path: "/webhooks/oura",
                                              headers: SignedHeaders.oura(body: delivery.body, secret: Array(oura.clientSecret.utf8)), body: delivery.body)
            }
        }
    }

    private func drive(
        ingress: EmbeddedIngress, processor: StreamProcessor, fetcher: FetcherService, cluster: KafkaMockCluster, sender: Sender
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
        let deliveries = scenario.deliveries()
        progress.note(String(format: "simulating %d users for %.1f days at %.0f× real time: %d signed requests",
                             options.users, Double(simulated) / 86_400, speed, deliveries.count))

        var result = DemoResult()
        result.users = options.users
        result.simulatedDays = Double(simulated) / 86_400
        result.requests = deliveries.count
        for delivery in deliveries where delivery.user < options.drawnUsers {
            if let heartRate = delivery.heartRate, let hrv = delivery.hrv {
                result.timelines[delivery.user, default: []].append((delivery.time, heartRate, hrv))
            }
        }

        let clock = ContinuousClock()
        let began = clock.now
        let answered = Atomic<Int>(0)
        let statistics = processor.statistics
        let sampler = Task {
            var samples: [DemoResult.Sample] = []
            while !Task.isCancelled {
                samples.append(.init(seconds: (clock.now - began).seconds, answered: answered.load(ordering: .relaxed),
                                     decided: statistics.snapshot.consumed))
                try? await Task.sleep(for: .milliseconds(500))
            }
            return samples
        }
        defer { sampler.cancel() }

        let lanes = min(16, options.users)
        var next = 0
        while next < deliveries.count {
            try Task.checkCancellation()
            let reached = scenario.start.adding(seconds: (clock.now - began).seconds * speed)
            var end = next
            while end < deliveries.count, deliveries[end].time <= reached { end += 1 }
            guard end > next else {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            let wave = Array(deliveries[next..<end])
            let requests = wave.enumerated().map { sender.request($0.element, id: "demo-\(next + $0.offset)") }
            var plan = Array(repeating: [Int](), count: lanes)
            for (index, delivery) in wave.enumerated() { plan[delivery.user % lanes].append(index) }
            let outcome = await LoadGenerator.run(port: ingress.port, requests: requests, lanes: plan)
            result.answers.merge(outcome.statuses, uniquingKeysWith: +)
            result.requestLatency.merge(outcome.latency)
            answered.add(outcome.sent, ordering: .relaxed)
            next = end
            let snapshot = statistics.snapshot
            progress.update(fraction: Double(next) / Double(deliveries.count),
                            counts: "\(next) sent, \(result.answers[202, default: 0]) accepted, \(snapshot.consumed) decided, \(snapshot.modeSwitches) switches")
        }
        progress.finish()

        // Every notification fetched (each names one record), then every record decided.
        let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrapServers)
        result.notifications = try await admin.recordCount(topic: Topics().notifications)
        let fetched = clock.now
        while fetcher.statistics.finished < result.notifications, clock.now - fetched < .seconds(60) {
            try await Task.sleep(for: .milliseconds(100))
        }
        result.recordsInTopic = try await admin.recordCount(topic: Topics().events)
        let caughtUp = clock.now
        while statistics.snapshot.consumed < result.recordsInTopic, clock.now - caughtUp < .seconds(60) {
            try await Task.sleep(for: .milliseconds(100))
        }
        result.wallSeconds = (clock.now - began).seconds
        sampler.cancel()
        result.throughput = await sampler.value
        result.decisionLatency = statistics.latency
        return (result, scenario)
    }

    private func storedSwitches(_ client: PostgresClient) async throws -> [DemoResult.Switch] {
        let rows = try await client.query("""
            SELECT user_id, (extract(epoch FROM event_time) * 1000)::bigint, new_mode, reason_code
            FROM mode_transitions ORDER BY user_id, event_time
            """, logger: logger)
        var switches: [DemoResult.Switch] = []
        for try await (user, milliseconds, mode, reason) in rows.decode((String, Int64, String, String).self) {
            guard let index = Int(user.dropFirst("demo-user-".count)) else { continue }
            switches.append(.init(user: index, time: Timestamp(milliseconds: milliseconds), mode: mode, reason: reason))
        }
        return switches
    }

    private func checks(_ result: DemoResult, scenario: DemoScenario) -> [DemoResult.Check] {
        let accepted = result.answers[202, default: 0]
        let other = result.answers.filter { $0.key != 202 }.map { "\($0.value) × \($0.key == 0 ? "no answer" : String($0.key))" }
        let snapshot = result.processor
        let accounted = snapshot.processed + snapshot.deadLettered + snapshot.duplicates
        let fetched = result.providers.reduce(0) { $0 + $1.outcomes["fetched", default: 0] }
        let finished = Int64(result.providers.reduce(0) { $0 + $1.outcomes.values.reduce(0, +) })
        let failedFetches = result.providers.reduce(0) { $0 + $1.outcomes["dead_lettered", default: 0] }
        let refreshes = result.providers.reduce(0) { $0 + $1.tokenRefreshes }
        let spent = result.providers.reduce(0) { $0 + $1.spentRefreshTokensPresented }
        var wrongUsers: [String] = []
        let byUser = Dictionary(grouping: result.switches, by: \.user)
        for user in 0..<scenario.users {
            let actual = (byUser[user] ?? []).map { DemoScenario.Expected(mode: $0.mode, reason: $0.reason) }
            if actual != scenario.expected(for: user) {
                wrongUsers.append("\(DemoScenario.userID(user)): \(actual) instead of \(scenario.expected(for: user))")
            }
        }
        return [
            .init(name: "every request answered 2xx", passed: other.isEmpty,
                  detail: other.isEmpty ? "\(accepted) × 202" : other.joined(separator: ", ")),
            .init(name: "every accepted request is one record", passed: Int64(accepted) == result.recordsInTopic,
                  detail: "\(accepted) accepted, \(result.recordsInTopic) in biometric-events (\(fetched) of them fetched for notifications)"),
            .init(name: "every notification fetched, no refresh token spent twice",
                  passed: finished == result.notifications && failedFetches == 0 && spent == 0,
                  detail: "\(finished) of \(result.notifications) notifications and backfills done, \(failedFetches) dead-lettered, "
                      + "\(refreshes) token refreshes, \(spent) spent refresh tokens presented"),
            .init(name: "every record consumed and accounted for", passed: Int64(snapshot.consumed) == result.recordsInTopic && accounted == snapshot.consumed,
                  detail: "\(snapshot.consumed) consumed = \(snapshot.processed) processed + \(snapshot.deadLettered) dead-lettered + \(snapshot.duplicates) duplicates"),
            .init(name: "each switch applied once", passed: result.switches.count == snapshot.modeSwitches,
                  detail: "\(snapshot.modeSwitches) decided, \(result.switches.count) rows in mode_transitions"),
            .init(name: "the scripted episodes switched as scripted", passed: wrongUsers.isEmpty,
                  detail: wrongUsers.isEmpty ? "\(scenario.users) users × \(scenario.expected(for: 0).count) switches" : wrongUsers.prefix(3).joined(separator: "; ")),
        ]
    }
}
