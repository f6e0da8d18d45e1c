/// How the fetcher reads notifications and talks to providers.
public struct FetcherSettings: Sendable {
    public var bootstrapServers: String
    /// Its own consumer group on `provider-notifications`.
    public var group = "biometric-bridge-fetcher"
    public var topics = Topics()
    /// Notifications being fetched at once, across users; more wait in
    /// Kafka (the consumer pauses), never in memory.
    public var concurrency = 32
    /// How often finished offsets are committed to Kafka.
    public var commitInterval: Duration = .seconds(1)
    /// Waits before asking again for a WHOOP recovery that is not scored
    /// yet: three retries over ten minutes.
    public var notReadyDelays: [Duration] = [.seconds(120), .seconds(180), .seconds(300)]
    public var retry = ProviderClient.RetryPolicy()
    public var sessionTimeout: Duration = .seconds(10)
    /// Static membership in the fetcher's group, as for the processor.
    public var instanceID: String?
    public var kafkaProperties: [String: String] = [:]
    /// How long a stop waits for the fetches in flight before it leaves
    /// them to the next owner (they are fetched again: at least once).
    public var shutdownTimeout: Duration = .seconds(30)
    /// How often the Oura webhook subscriptions are checked, and how close
    /// to its expiration one is renewed.
    public var subscriptionCheckInterval: Duration = .seconds(3_600)
    public var subscriptionRenewalMargin: Duration = .seconds(2 * 86_400)
    /// How often `auren_connections` is counted.
    public var connectionCountInterval: Duration = .seconds(30)

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }

    var consumerConfiguration: KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: group, topics: [topics.notifications])
        configuration.maxBatchSize = max(1, concurrency)
        configuration.sessionTimeout = sessionTimeout
        configuration.heartbeatInterval = .milliseconds(max(100, sessionTimeout.wholeMilliseconds / 10))
        configuration.groupInstanceID = instanceID
        // A notification is fetched as soon as it is appended, not after the
        // broker's default half-second wait for more.
        configuration.additionalProperties = ["fetch.wait.max.ms": "10"].merging(kafkaProperties) { _, explicit in explicit }
        return configuration
    }
}
