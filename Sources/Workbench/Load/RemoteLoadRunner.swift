import Actors
import Foundation
import Logging
import Pipeline
import PostgresNIO

/// `biometric-bridge load`: the demo's scenario sent to a bridge running
/// elsewhere (containers, another host), and the demo's checks made from
/// outside — from what the sender saw, the topics and PostgreSQL — since the
/// bridge's processes may be killed and restarted meanwhile.
///
/// The bridge must use the simulated Oura and WHOOP clouds this runner
/// hosts, and the scenario's thresholds: both are written to files
/// (`environmentFile`, `thresholdsFile`) before it waits for `url`'s
/// `/ready`, so whatever starts the bridge can start it with them.
public struct RemoteLoadRunner: Sendable {
    public struct Options: Sendable {
        /// The ingress, `http://HOST:PORT` (plain HTTP on loopback).
        public var url: String
        public var users = 20
        public var minutes = 1.0
        /// KEY=VALUE lines for the bridge: the simulated providers' apps.
        public var environmentFile: String
        /// The thresholds the scenario is written for, as a YAML file.
        public var thresholdsFile: String
        /// The thresholds file the scenario's are derived from.
        public var baseThresholdsFile = "config/biometric_thresholds.yaml"
        /// The processors' consumer group, whose checkpointed offsets are checked.
        public var group = "biometric-bridge-processor"
        /// How long the pipeline may take to finish after the last request.
        public var drainTimeout: Duration = .seconds(300)

        public init(url: String, environmentFile: String, thresholdsFile: String) {
            self.url = url
            self.environmentFile = environmentFile
            self.thresholdsFile = thresholdsFile
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let options: Options
    let database: PostgresSettings
    let bootstrapServers: String
    let cipher: StateCipher
    let logger: Logger
    let progress: DemoProgress

    public init(options: Options, database: PostgresSettings, bootstrapServers: String, cipher: StateCipher, logger: Logger, progress: DemoProgress) {
        self.options = options
        self.database = database
        self.bootstrapServers = bootstrapServers
        self.cipher = cipher
        self.logger = logger
        self.progress = progress
    }

    public func run() async throws -> DemoResult {
        guard let components = URLComponents(string: options.url), components.scheme == "http",
              ["127.0.0.1", "localhost"].contains(components.host ?? ""), let port = components.port else {
            throw Failure(description: "--url must be http://127.0.0.1:PORT (the load generator speaks plain HTTP on loopback)")
        }
        let thresholds = try writeThresholds()
        return try await SimulatedProviderCloud.withOuraAndWhoop { oura, whoop in
            try await run(port: port, thresholds: thresholds, oura: oura, whoop: whoop)
        }
    }

    /// The base file with the scenario's changes (recoveries current for
    /// 72 hours, a checkpoint every 2 seconds), checked to load as exactly
    /// the configuration the demo runs with.
    private func writeThresholds() throws -> BridgeConfiguration {
        let base = try String(contentsOfFile: options.baseThresholdsFile, encoding: .utf8)
        var expected = DemoScenario.thresholds(try ConfigurationLoader.load(yaml: base))
        expected.checkpoint.intervalSeconds = 2
        let text = base
            .replacingOccurrences(of: "\nfreshness:", with: "\nfreshness:\n  recovery_score: \(Int(expected.freshness[Metric.recoveryScore.rawValue]))")
            .replacingOccurrences(of: "\n  interval_seconds: \(Int(try ConfigurationLoader.load(yaml: base).checkpoint.intervalSeconds))\n",
                                  with: "\n  interval_seconds: 2\n")
        let written = try ConfigurationLoader.load(yaml: text)
        guard written == expected else {
            throw Failure(description: "\(options.baseThresholdsFile) does not have the layout the load test edits (freshness:, checkpoint interval_seconds)")
        }
        try text.write(toFile: options.thresholdsFile, atomically: true, encoding: .utf8)
        return written
    }

    private func run(port: Int, thresholds: BridgeConfiguration, oura: SimulatedProviderCloud, whoop: SimulatedProviderCloud) async throws -> DemoResult {
        oura.setTokenLifetime(seconds: 75)
        whoop.setTokenLifetime(seconds: 75)
        // Four days pass in minutes: the simulated clouds take any rate.
        var environment = oura.environment.merging(whoop.environment) { first, _ in first }
        environment["OURA_RATE_LIMITS"] = "1000000/60s"
        environment["WHOOP_RATE_LIMITS"] = "1000000/60s"
        environment["BRIDGE_PUBLIC_URL"] = options.url
        let lines = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
        try lines.write(toFile: options.environmentFile, atomically: true, encoding: .utf8)
        progress.note("providers: simulated Oura at \(oura.url), WHOOP at \(whoop.url); their apps in \(options.environmentFile)")

        let logger = logger
        return try await PostgresSession.with(database, logger: logger, reachableWithin: .seconds(60)) { client in
            try await MigrationRunner(client: client, logger: logger).apply(try Migration.load(from: Migration.defaultDirectory()))
            let accounts = AccountStore(client: client, cipher: cipher, logger: logger)
            var deviceKeys: [[UInt8]] = []
            for user in 0..<options.users {
                deviceKeys.append(StandardWebhookSecret.decode(try await accounts.createDeviceKey(for: DemoScenario.userID(user)).secret)!)
            }
            try await waitUntilReady(port: port)
            let sender = ScenarioSender(deviceKeys: deviceKeys, oura: oura, whoop: whoop)
            let connected = try await sender.connectUsers(bridge: options.url, progress: progress)
            progress.note("accounts: \(options.users) users with a HealthKit device key; \(connected) provider connections through \(options.url)")

            let scriptSeconds = Double(DemoScenario.scriptedSeconds)
            let speed = scriptSeconds / (options.minutes * 60)
            let scenario = DemoScenario(users: options.users, start: Timestamp.now.adding(seconds: -scriptSeconds), seconds: DemoScenario.scriptedSeconds)
            let admin = try KafkaAdmin(bootstrapServers: bootstrapServers)
            let group = options.group
            let driver = ScenarioDriver(port: port, sender: sender, progress: progress, decided: nil)
            var result = try await driver.run(scenario, speed: speed, drawnUsers: 0) { result in
                result.notifications = try await admin.recordCount(topic: Topics().notifications)
                try await waitUntilDrained(result.answers[202, default: 0], admin: admin, client: client, group: group)
                result.recordsInTopic = try await admin.recordCount(topic: Topics().events)
            }
            result.switches = try await DemoChecks.storedSwitches(client, logger: logger)
            result.providers = [oura, whoop].map { cloud in
                DemoResult.ProviderActivity(
                    name: cloud.provider.displayName, connections: cloud.codeExchanges, apiRequests: cloud.apiRequests.count,
                    tokenRefreshes: cloud.refreshRequests, spentRefreshTokensPresented: cloud.spentRefreshTokensPresented, outcomes: [:])
            }
            result.checks = try await checks(result, scenario: scenario, thresholds: thresholds, admin: admin, client: client)
            return result
        }
    }

    private func waitUntilReady(port: Int) async throws {
        progress.note("waiting for \(options.url)/ready")
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(180) {
            if let reply = try? HTTPConnection(port: port).send(method: "GET", path: "/ready"), reply.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw Failure(description: "\(options.url)/ready did not answer 200 within 180 s")
    }

    /// Until every notification has its record and every record is in a
    /// checkpoint (or `drainTimeout`: the checks then say what is missing).
    private func waitUntilDrained(_ accepted: Int, admin: KafkaAdmin, client: PostgresClient, group: String) async throws {
        let started = ContinuousClock.now
        var lastNote = started
        while ContinuousClock.now - started < options.drainTimeout {
            let records = try await admin.recordCount(topic: Topics().events)
            let behind = try await uncheckpointed(admin: admin, client: client, group: group)
            if records == Int64(accepted), behind == 0 { return }
            if ContinuousClock.now - lastNote > .seconds(10) {
                progress.note("draining: \(records) of \(accepted) records appended, \(behind) not yet checkpointed")
                lastNote = .now
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Records of the events topic past the processors' checkpointed offsets.
    private func uncheckpointed(admin: KafkaAdmin, client: PostgresClient, group: String) async throws -> Int64 {
        let ends = try await admin.watermarks(topic: Topics().events)
        let rows = try await client.query(
            "SELECT \"partition\", \"offset\" FROM processor_offsets WHERE consumer_group = \(group) AND topic = \(Topics().events)", logger: logger)
        var checkpointed: [Int32: Int64] = [:]
        for try await (partition, offset) in rows.decode((Int32, Int64).self) { checkpointed[partition] = offset }
        return ends.reduce(0) { $0 + max(0, $1.value.high - max(checkpointed[$1.key.partition] ?? 0, $1.value.low)) }
    }

    private func checks(
        _ result: DemoResult, scenario: DemoScenario, thresholds: BridgeConfiguration, admin: KafkaAdmin, client: PostgresClient
    ) async throws -> [DemoResult.Check] {
        let events = try await TopicSnapshot.read(topic: Topics().events, bootstrapServers: bootstrapServers, logger: logger)
        let fetched = events.filter { $0.header(RecordHeader.dataType) != nil }.count
        let letters = try await TopicSnapshot.read(topic: Topics().deadLetters, bootstrapServers: bootstrapServers, logger: logger)
        let failedFetches = letters.filter { $0.header(RecordHeader.stage)?.stringValue == "fetch" }.count
        let spent = result.providers.reduce(0) { $0 + $1.spentRefreshTokensPresented }
        let refreshes = result.providers.reduce(0) { $0 + $1.tokenRefreshes }
        let behind = try await uncheckpointed(admin: admin, client: client, group: options.group)

        let replayed = Self.replaySwitchIDs(events, thresholds: thresholds)
        var stored: [String] = []
        for try await id in try await client.query("SELECT switch_id FROM mode_transitions", logger: logger).decode(String.self) { stored.append(id) }
        let published = try await TopicSnapshot.read(topic: Topics().switches, bootstrapServers: bootstrapServers, logger: logger)
        let publishedIDs = Set(published.compactMap { (try? JSONParser.parse($0.value))?["switch_id"]?.stringValue })
        let missing = replayed.subtracting(stored).count
        let extra = Set(stored).subtracting(replayed).count

        return [
            DemoChecks.everyRequestAnswered(result.answers),
            DemoChecks.oneRecordPerRequest(result, fetched: fetched),
            .init(name: "every notification fetched, no refresh token spent twice", passed: failedFetches == 0 && spent == 0,
                  detail: "\(result.notifications) notifications and backfills, \(fetched) records fetched, \(failedFetches) dead-lettered, "
                      + "\(refreshes) token refreshes, \(spent) spent refresh tokens presented"),
            .init(name: "every record processed, dead-lettered or duplicate (checkpointed)", passed: behind == 0,
                  detail: "\(events.count) records, \(behind) past the checkpointed offsets of group \(options.group)"),
            .init(name: "each switch stored once, the switches replay decides",
                  passed: stored.count == Set(stored).count && missing == 0 && extra == 0 && publishedIDs == replayed,
                  detail: "\(stored.count) rows in mode_transitions, replay of the \(events.count) envelopes decides \(replayed.count); "
                      + "\(missing) missing, \(extra) not replay's; \(publishedIDs.count) distinct ids on \(Topics().switches)"),
            ModeSwitchContract.check(published),
            DemoChecks.scripted(result.switches, scenario: scenario),
        ]
    }

    /// The switch ids `replay` decides for these records, each user's in
    /// partition order as the processors read them.
    static func replaySwitchIDs(_ records: [KafkaConsumerRecord], thresholds: BridgeConfiguration) -> Set<String> {
        let processor = EnvelopeProcessor(configuration: thresholds)
        var states: [String: UserState] = [:]
        var ids = Set<String>()
        let ordered = records.sorted { ($0.topicPartition.partition, $0.offset) < ($1.topicPartition.partition, $1.offset) }
        for record in ordered {
            guard case .success(let envelope) = InboundRecord(record).envelope else { continue }
            if case .decided(let decision, _, _) = processor.process(envelope, in: &states), let modeSwitch = decision.modeSwitch {
                ids.insert(modeSwitch.switchID)
            }
        }
        return ids
    }
}
