/// How a consumer-group member talks to Kafka. Offsets live with the owner
/// (in PostgreSQL, next to the state they belong to), so auto-commit is off;
/// commits to Kafka only make lag visible to outside tools.
public struct KafkaConsumerConfiguration: Sendable {
    public var bootstrapServers: String
    public var groupID: String
    public var topics: [String]
    public var clientID: String = "biometric-bridge"
    public var sessionTimeout: Duration = .seconds(45)
    public var heartbeatInterval: Duration = .seconds(3)
    public var maxPollInterval: Duration = .seconds(300)
    /// Records handed to the listener per call, at most.
    public var maxBatchSize: Int = 1_000
    /// How long one batch call waits for records before the thread looks at
    /// its commands and the stop flag again.
    public var pollTimeout: Duration = .milliseconds(100)
    /// Where a partition starts when the owner supplies no offset and Kafka
    /// has no committed one.
    public var startFromEarliest: Bool = true
    /// Static membership (`group.instance.id`): a member that comes back
    /// under the same id within the session timeout gets its partitions back
    /// without a rebalance. Leaving the group then waits for the session
    /// timeout too, since a static member does not announce that it leaves.
    public var groupInstanceID: String?
    /// Reads exactly these partitions of every topic, without group
    /// management: a container pinned to its partition group. The group id
    /// then only names where offsets are committed for outside tools.
    public var pinnedPartitions: PartitionSelection?
    /// Extra librdkafka properties (TLS, SASL, tuning); they win over the above.
    public var additionalProperties: [String: String] = [:]

    public init(bootstrapServers: String, groupID: String, topics: [String]) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.topics = topics
    }

    var properties: [String: String] {
        var base: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "group.id": groupID,
            "client.id": clientID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": startFromEarliest ? "earliest" : "latest",
            // Eager `range`, not `cooperative-sticky`: librdkafka 2.0 (Debian 12)
            // aborts when a cooperative-sticky member is destroyed before its
            // first assignment (librdkafka #4312, fixed in 2.3) and can hang in
            // close when an assignment arrives meanwhile (#4527, fixed in 2.4).
            "partition.assignment.strategy": "range",
            "session.timeout.ms": String(sessionTimeout.wholeMilliseconds),
            "heartbeat.interval.ms": String(heartbeatInterval.wholeMilliseconds),
            "max.poll.interval.ms": String(maxPollInterval.wholeMilliseconds),
        ]
        if let groupInstanceID, pinnedPartitions == nil { base["group.instance.id"] = groupInstanceID }
        return base.merging(additionalProperties) { _, extra in extra }
    }
}
