/// What flows from the ingest stage to a decide shard, in stream order.
public enum ShardItem: Sendable {
    case records([InboundRecord])
    case barrier(Barrier)
    /// These partitions were revoked and checkpointed: forget their users.
    case forget(Set<KafkaTopicPartition>)
}
