import Actors
import Foundation
import Logging
import Pipeline
import PostgresNIO
import Workbench

/// A running ingress on loopback with everything real behind it: the mock
/// Kafka cluster in-process (over TCP), a migrated PostgreSQL database,
/// linked provider accounts and one HealthKit device key.
struct IngressFixture: Sendable {
    static let ouraSecrets = ["oura-secret-old", "oura-secret-new"]
    static let whoopSecret = "whoop-secret"
    static let garminKey = Array("garmin standard webhooks key".utf8)
    static let garminRotatedKey = Array("garmin key after rotation".utf8)
    static let canonicalKey = Array("canonical sender key".utf8)
    static let apiKey = "healthkit-api-key-1"
    static let maxBodyBytes = 4_096
    static let produceTimeout: Duration = .seconds(2)

    let cluster: KafkaMockCluster
    let ingress: EmbeddedIngress
    let client: PostgresClient
    /// The device secret of `user-hk`.
    let deviceKey: [UInt8]

    var port: Int { ingress.port }

    static func run(limits: HTTPLimits = HTTPLimits(), _ body: @escaping @Sendable (IngressFixture) async throws -> Void) async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic(KafkaTopicSpecification(name: "biometric-events", partitions: 8))
        try cluster.createTopic(KafkaTopicSpecification(name: "biometric-events.dlq", partitions: 1))
        try cluster.createTopic(KafkaTopicSpecification(name: "provider-notifications", partitions: 4))
        try await TestDatabase.withMigratedDatabase { _, client in
            let logger = Logger(label: "auren.tests.ingress")
            let cipher = try StateCipher.fromEnvironment([:], allowingDevelopmentKey: true, logger: logger)
            let accounts = AccountStore(client: client, cipher: cipher, logger: logger)
            try await accounts.link(.init(provider: "oura", providerUserID: "oura-user-1", userID: "user-oura"))
            try await accounts.link(.init(provider: "whoop", providerUserID: "10129", userID: "user-whoop"))
            try await accounts.link(.init(provider: "garmin", providerUserID: "garmin-7", userID: "user-garmin"))
            let deviceKey = try await accounts.createDeviceKey(for: "user-hk")

            var secrets = WebhookSecrets()
            secrets.ouraSecrets = ouraSecrets.map { Array($0.utf8) }
            secrets.ouraVerificationTokens = [Array("verify-me".utf8)]
            secrets.whoopSecrets = [Array(whoopSecret.utf8)]
            secrets.standardSecrets = ["garmin": [garminKey, garminRotatedKey], "canonical": [canonicalKey]]
            secrets.healthKitAPIKeys = [Array(apiKey.utf8)]
            var settings = IngressSettings(bootstrapServers: cluster.bootstrapServers)
            settings.port = 0
            settings.maxBodyBytes = maxBodyBytes
            settings.produceTimeout = produceTimeout
            settings.limits = limits
            let ingress = try await EmbeddedIngress.start(settings: settings, secrets: secrets, client: client, cipher: cipher, logger: logger)
            do {
                try await body(IngressFixture(cluster: cluster, ingress: ingress, client: client,
                                              deviceKey: StandardWebhookSecret.decode(deviceKey.secret)!))
            } catch {
                try? await ingress.stop()
                throw error
            }
            try await ingress.stop()
        }
    }

    /// One request on a connection of its own (a blocking client, on a thread of its own).
    func send(_ path: String, method: String = "POST", headers: [(String, String)] = [], body: [UInt8] = []) async throws -> HTTPConnection.Reply {
        try await send(raw: HTTPConnection.request(method: method, path: path, headers: headers, body: body))
    }

    /// Bytes as they are, on a connection of its own: a request may lie
    /// about its length, or stop half-way.
    func send(raw request: [UInt8], on connection: HTTPConnection? = nil) async throws -> HTTPConnection.Reply {
        let port = port
        nonisolated(unsafe) let connection = connection
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try (connection ?? HTTPConnection(port: port)).send(request) })
            }.start()
        }
    }

    /// Records in `topic`; without one, every accepted request's record:
    /// events, and the notifications waiting for the fetcher.
    func recordCount(_ topic: String? = nil) async throws -> Int64 {
        let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrapServers)
        var count: Int64 = 0
        for topic in topic.map({ [$0] }) ?? Self.acceptedTopics { count += try await admin.recordCount(topic: topic) }
        return count
    }

    func records(_ topic: String? = nil) async throws -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        for topic in topic.map({ [$0] }) ?? Self.acceptedTopics {
            records += try await ProcessorChecks.records(of: topic, bootstrapServers: cluster.bootstrapServers)
        }
        return records
    }

    static let acceptedTopics = ["biometric-events", "provider-notifications"]

    // MARK: Signing as each provider does

    static func json(_ extra: [(String, String)] = []) -> [(String, String)] {
        [("content-type", "application/json")] + extra
    }

    static func oura(_ body: [UInt8], secret: String = ouraSecrets[0], timestamp: String = SignedHeaders.nowSeconds) -> [(String, String)] {
        SignedHeaders.oura(body: body, secret: Array(secret.utf8), timestamp: timestamp)
    }

    static func whoop(_ body: [UInt8], timestamp: String = SignedHeaders.nowMilliseconds) -> [(String, String)] {
        SignedHeaders.whoop(body: body, secret: Array(whoopSecret.utf8), timestamp: timestamp)
    }

    static func standard(_ body: [UInt8], id: String, key: [UInt8], timestamp: String = SignedHeaders.nowSeconds) -> [(String, String)] {
        SignedHeaders.standard(id: id, body: body, secret: key, timestamp: timestamp)
    }
}

extension KafkaConsumerRecord {
    func headerText(_ name: String) -> String? {
        header(name)?.stringValue
    }
}
