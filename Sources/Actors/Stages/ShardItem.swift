/// What flows from the ingest stage to a decide shard, in stream order.
public enum ShardItem: Sendable {
    case records([InboundRecord])
    case barrier(Barrier)
    /// These partitions were revoked and checkpointed: forget their users.
    case forget(Set<KafkaTopicPartition>)
    /// These partitions are read again from their last checkpoint: forget
    /// their users, and dead-letter the records of the users PostgreSQL
    /// refused (each with its partition) from now on.
    case readAgain(Set<KafkaTopicPartition>, refusing: [String: KafkaTopicPartition])
}
