/// How the HTTP ingress listens and what it accepts. Secrets are not here:
/// they come from `WebhookSecrets`.
public struct IngressSettings: Sendable {
    public var bootstrapServers: String
    /// Extra librdkafka properties (TLS, SASL, tuning).
    public var kafkaProperties: [String: String] = [:]
    /// How long the producer gathers records into one request. None by
    /// default: every HTTP request waits for its own record's acknowledgement,
    /// and librdkafka still batches whatever queued while a request was in flight.
    public var linger: Duration = .milliseconds(0)
    /// 0 picks a free port (tests, benchmarks); the bound port is reported.
    public var port = 8080
    public var topics = Topics()
    /// `HTTP_MAX_BODY_BYTES`.
    public var maxBodyBytes = 256 * 1024
    /// Connections, idle time and body-read time per client.
    public var limits = HTTPLimits()
    /// A request whose record Kafka has not acknowledged by then gets 503.
    public var produceTimeout: Duration = .seconds(5)
    /// How far a signed timestamp may be from now.
    public var timestampTolerance: Int64 = 300
    /// How long a delivery id is remembered as already accepted.
    public var replayWindow: Duration = .seconds(600)
    /// `BRIDGE_PUBLIC_URL`: where providers send users back after they
    /// grant access. Without it, the connect request's own `Host`.
    public var publicURL: String?
    /// Days of records a new connection fetches through the list endpoints.
    public var backfillDays = 7
    /// How long a connect flow's `state` stays valid.
    public var connectStateLifetime: Duration = .seconds(600)

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }
}
