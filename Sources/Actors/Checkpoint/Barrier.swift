/// A checkpoint barrier (the Chandy–Lamport idea Flink uses): it travels
/// behind every record read before it, so when every shard has seen it, the
/// shards' states and these offsets form a consistent cut.
public struct Barrier: Sendable, Hashable {
    public let id: Int
    /// The next offset to read, per owned partition, when the barrier left
    /// the ingest stage.
    public let offsets: [KafkaTopicPartition: Int64]
    /// The owner epoch this member claimed for each of those partitions: the
    /// checkpoint is written only while they are still the stored ones.
    public let epochs: [KafkaTopicPartition: Int64]
}
