import Foundation

/// How the streaming processor connects and sizes itself. Thresholds are not
/// here: they live in the configuration file and reload without restart.
public struct ProcessorSettings: Sendable {
    public var bootstrapServers: String
    public var group = "biometric-bridge-processor"
    /// Static membership: the same id after a restart gets the same
    /// partitions back without a rebalance (nil: dynamic membership).
    public var instanceID: String?
    /// A partition group: these partitions, without group management.
    public var pinnedPartitions: PartitionSelection?
    /// Names this member in the partition owner rows, for operators.
    public var memberName: String {
        "\(instanceID ?? ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier)"
    }
    public var topics = Topics()
    /// Decide actors; users are spread over them by a stable hash.
    public var shards: Int
    /// One decide shard per core: the cooperative pool runs a thread per
    /// core, so more shards add hand-offs and concurrent sealing bursts, not
    /// parallelism. On two cores at 60,000 events/s, p99 was 54 ms with four
    /// shards and 30 ms with two (docs/benchmarks.md).
    public static var defaultShards: Int { ProcessInfo.processInfo.activeProcessorCount }
    /// User states kept in memory across all shards; past it, clean states
    /// are dropped least recently used first (about 1.5 KB of RSS each).
    public var maxResidentUsers = 250_000
    /// Batches a shard's inbox holds before the ingest stage waits.
    public var shardCapacity = 8
    /// Records per consumer batch.
    public var batchSize = 2_000
    /// How long one batch call waits to fill its batch. A batch call returns
    /// only when full or after this, so every record below a full batch's
    /// rate waits up to this long; an idle wake-up per millisecond costs nothing
    /// measurable.
    public var pollTimeout: Duration = .milliseconds(1)
    /// The longest a fetch request waits at the broker for new records.
    public var fetchWait: Duration = .milliseconds(10)
    /// Records forwarded past the last barrier before the ingest stage waits
    /// for the previous checkpoint.
    public var checkpointWindow = 100_000
    public var sessionTimeout: Duration = .seconds(10)
    public var heartbeatInterval: Duration = .seconds(1)
    public var kafkaProperties: [String: String] = [:]
    /// How often a progress line is logged while records flow.
    public var progressInterval: Duration = .seconds(10)
    /// How long a stop may take to drain and write the final checkpoint;
    /// past it (PostgreSQL or Kafka away) the processor gives up and fails.
    public var shutdownTimeout: Duration = .seconds(30)

    public init(bootstrapServers: String, shards: Int) {
        self.bootstrapServers = bootstrapServers
        self.shards = max(1, shards)
    }

    /// How the processor's consumer reads the events topic.
    public var consumerConfiguration: KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: group, topics: [topics.events])
        configuration.maxBatchSize = batchSize
        configuration.pollTimeout = pollTimeout
        configuration.sessionTimeout = sessionTimeout
        configuration.heartbeatInterval = heartbeatInterval
        configuration.groupInstanceID = instanceID
        configuration.pinnedPartitions = pinnedPartitions
        configuration.additionalProperties = [
            "fetch.wait.max.ms": String(fetchWait.wholeMilliseconds),
            // librdkafka 2.0 holds this per-partition minimum against the whole
            // consumer queue, and once it is exceeded waits about a second before
            // fetching again (a bare consume loop stalled 0.3-0.6 s that way); a
            // processor catching up at 200,000 events/s drains the 100,000
            // default in half that second. Memory stays bounded by
            // queued.max.messages.kbytes (64 MB by default).
            "queued.min.messages": "1000000",
        ].merging(kafkaProperties) { _, explicit in explicit }
        return configuration
    }
}
