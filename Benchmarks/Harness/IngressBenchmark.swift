import Actors
import Foundation
import Logging
import Pipeline
import PostgresNIO
import Workbench

/// `bench ingress`: signed webhook requests (HealthKit batches under device
/// keys, canonical events under a Standard Webhooks secret) against the real
/// ingress on loopback, each answered only after Kafka acknowledged its
/// record — and, in the same run, unauthenticated `GET /health` over the same
/// connections as the ceiling of the HTTP stack itself.
public struct IngressBenchmark: Sendable {
    public struct Options: Sendable {
        public var requests = 50_000
        public var connections = 64
        public var users = 200
        public var database: PostgresSettings

        public init(database: PostgresSettings) {
            self.database = database
        }
    }

    public struct Result: Sendable, Codable {
        public var requests: Int
        public var connections: Int
        public var users: Int
        public var accepted: Int
        public var otherAnswers: [String: Int]
        public var requestsPerSecond: Double
        public var latencyP50Milliseconds: Double
        public var latencyP99Milliseconds: Double
        public var latencyP999Milliseconds: Double
        public var healthRequestsPerSecond: Double
        public var healthLatencyP99Milliseconds: Double
        public var ratioToHealth: Double
        /// Records in `biometric-events` after the run: every accepted request, once.
        public var recordsInTopic: Int64
    }

    public struct Lost: Error, CustomStringConvertible {
        public let description: String
    }

    let options: Options
    let logger: Logger
    let progress: @Sendable (String) -> Void

    public init(options: Options, logger: Logger, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    static let canonicalSecret = Array("bench canonical webhook secret".utf8)

    public func run() async throws -> Result {
        let cluster = try KafkaMockCluster(brokers: 1)
        // The mock keeps ~5 MB per partition (a record here is ~600 bytes with
        // its headers): spread the records thin enough to count them after.
        let partitions = Int32(max(16, (options.requests + 2_000) * 600 / 3_000_000 + 1))
        try cluster.createTopic(KafkaTopicSpecification(name: Topics().events, partitions: partitions))
        try cluster.createTopic(KafkaTopicSpecification(name: Topics().deadLetters, partitions: 2))
        let logger = logger
        let options = options
        return try await ScratchDatabase.with(on: options.database, prefix: "auren_bench", logger: logger) { database in
            try await PostgresSession.with(database, logger: logger) { client in
                try await MigrationRunner(client: client, logger: logger).apply(try Migration.load(from: Migration.defaultDirectory()))
                return try await measure(cluster: cluster, client: client)
            }
        }
    }

    private func measure(cluster: KafkaMockCluster, client: PostgresClient) async throws -> Result {
        let cipher = try StateCipher.fromEnvironment(allowingDevelopmentKey: true, logger: logger)
        let accounts = AccountStore(client: client, cipher: cipher, logger: logger)
        progress("creating device keys for \(options.users) users")
        var deviceKeys: [String: [UInt8]] = [:]
        for user in 0..<options.users {
            let key = try await accounts.createDeviceKey(for: "user-\(user)")
            deviceKeys["user-\(user)"] = StandardWebhookSecret.decode(key.secret)
        }
        var secrets = WebhookSecrets()
        secrets.standardSecrets["canonical"] = [Self.canonicalSecret]
        var settings = IngressSettings(bootstrapServers: cluster.bootstrapServers)
        settings.port = 0
        let ingress = try await EmbeddedIngress.start(settings: settings, secrets: secrets, client: client, cipher: cipher, logger: logger)
        do {
            let result = try await measure(ingress: ingress, deviceKeys: deviceKeys, bootstrapServers: cluster.bootstrapServers)
            try await ingress.stop()
            return result
        } catch {
            try? await ingress.stop()
            throw error
        }
    }

    private func measure(ingress: EmbeddedIngress, deviceKeys: [String: [UInt8]], bootstrapServers: String) async throws -> Result {
        let envelopes = SyntheticEnvelopes(users: options.users)
        let warmUp = min(2_000, options.requests / 10)
        progress("warming up with \(warmUp) requests (connections, caches, producer)")
        let warm = await LoadGenerator.run(
            port: ingress.port, connections: options.connections,
            requests: (0..<warmUp).map { Self.signedRequest(envelopes.envelope($0), id: "warm-\($0)", deviceKeys: deviceKeys) })

        progress("\(options.requests) signed requests over \(options.connections) connections")
        let requests = (0..<options.requests).map { Self.signedRequest(envelopes.envelope($0), id: "bench-\($0)", deviceKeys: deviceKeys) }
        let signed = await LoadGenerator.run(port: ingress.port, connections: options.connections, requests: requests)

        progress("ceiling: \(options.requests) GET /health over the same number of connections")
        let healthRequest = HTTPConnection.request(method: "GET", path: "/health", headers: [])
        let health = await LoadGenerator.run(
            port: ingress.port, connections: options.connections, requests: Array(repeating: healthRequest, count: options.requests))

        let records = try await KafkaAdmin(bootstrapServers: bootstrapServers).recordCount(topic: Topics().events)
        let accepted = signed.statuses[202, default: 0]
        guard records == Int64(warm.statuses[202, default: 0] + accepted) else {
            throw Lost(description: "\(warm.statuses[202, default: 0] + accepted) requests were accepted but the topic holds \(records) records")
        }
        let others = signed.statuses.filter { $0.key != 202 }
        return Result(
            requests: options.requests, connections: options.connections, users: options.users, accepted: accepted,
            otherAnswers: Dictionary(uniqueKeysWithValues: others.map { (String($0.key), $0.value) }),
            requestsPerSecond: signed.requestsPerSecond,
            latencyP50Milliseconds: signed.latency.milliseconds(at: 0.5),
            latencyP99Milliseconds: signed.latency.milliseconds(at: 0.99),
            latencyP999Milliseconds: signed.latency.milliseconds(at: 0.999),
            healthRequestsPerSecond: health.requestsPerSecond,
            healthLatencyP99Milliseconds: health.latency.milliseconds(at: 0.99),
            ratioToHealth: signed.requestsPerSecond / health.requestsPerSecond,
            recordsInTopic: records)
    }

    /// HealthKit batches go to `/healthkit/batch` under the user's device key;
    /// canonical events to `/webhooks/canonical` under the provider secret.
    static func signedRequest(_ envelope: SyntheticEnvelopes.Envelope, id: String, deviceKeys: [String: [UInt8]]) -> [UInt8] {
        let healthKit = envelope.provider == .appleHealth
        let secret = healthKit ? deviceKeys[envelope.userID] ?? [] : canonicalSecret
        return HTTPConnection.request(
            method: "POST", path: healthKit ? "/healthkit/batch" : "/webhooks/canonical",
            headers: SignedHeaders.standard(id: id, body: envelope.body, secret: secret), body: envelope.body)
    }
}
