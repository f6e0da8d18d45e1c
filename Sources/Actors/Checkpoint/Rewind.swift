/// Partitions to read again from their last checkpoint, because PostgreSQL
/// refused the rows of some of their users for the data (a constraint, a
/// trigger). The shards forget those partitions' users and dead-letter the
/// refused users' records from then on, which would only be refused again;
/// every other user of the partitions is decided again from its stored state.
public struct Rewind: Sendable {
    /// Where each partition is read again from: its last checkpoint.
    public let offsets: [KafkaTopicPartition: Int64]
    /// The owner epochs the refused checkpoint was written under: a partition
    /// claimed anew since starts from its checkpoint anyway.
    public let epochs: [KafkaTopicPartition: Int64]
    /// The refused users, each with the partition its records come from.
    public let refusedUsers: [String: KafkaTopicPartition]
}
