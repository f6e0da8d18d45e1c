/// How a producer talks to Kafka. The defaults are the bridge's guarantees:
/// idempotent writes acknowledged by all in-sync replicas, keys partitioned
/// like the Java client does.
public struct KafkaProducerConfiguration: Sendable {
    public var bootstrapServers: String
    public var clientID: String = "biometric-bridge"
    /// A record not acknowledged within this time fails with a timeout.
    public var deliveryTimeout: Duration = .seconds(30)
    public var linger: Duration = .milliseconds(5)
    /// Extra librdkafka properties (TLS, SASL, tuning); they win over the above.
    public var additionalProperties: [String: String] = [:]

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    /// The largest record librdkafka accepts (`message.max.bytes`, 1,000,000 unless set).
    public var maxMessageBytes: Int {
        properties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000
    }

    var properties: [String: String] {
        let base: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            "enable.idempotence": "true",
            "acks": "all",
            "partitioner": "murmur2_random",
            "delivery.timeout.ms": String(deliveryTimeout.wholeMilliseconds),
            "linger.ms": String(linger.wholeMilliseconds),
        ]
        return base.merging(additionalProperties) { _, extra in extra }
    }
}
