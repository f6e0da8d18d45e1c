/// The owner of a consumer: it decides where partitions start and receives
/// their records. Every call comes from the consumer's polling thread, one at
/// a time, in the order the events happened.
public protocol KafkaConsumerListener: Sendable {
    /// Partitions were assigned to this member. Return the offset each one
    /// starts at (the owner keeps offsets, e.g. in PostgreSQL); a partition
    /// left out starts at Kafka's committed offset, else at the reset policy.
    /// No record of these partitions is delivered before this returns.
    /// Throwing stops the consumer, which then reports the error.
    func partitionsAssigned(_ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64]

    /// These partitions are being taken away. No record of them is delivered
    /// after this returns, so it is the moment to checkpoint them.
    func partitionsRevoked(_ partitions: [KafkaTopicPartition]) async

    /// These partitions were taken away while this member was out of the
    /// group (a session that expired): another member may own them already,
    /// so it is too late to checkpoint them. No record of them follows.
    func partitionsLost(_ partitions: [KafkaTopicPartition]) async

    /// Records of assigned partitions, each partition's in offset order, each
    /// record once. Nothing else is delivered until this returns: a slow
    /// owner slows consumption (back-pressure). Past a second, the consumer
    /// pauses its partitions and keeps polling, so however long this takes,
    /// the member stays in the group.
    func received(_ records: [KafkaConsumerRecord]) async

    /// Takes the records at once if it can without waiting, and says whether
    /// it did; if not, the polling thread calls `received` and waits. Taking
    /// them here spares each batch a hop onto the cooperative pool, where a
    /// busy pool made it wait behind the work of earlier batches.
    func receivedWithoutWaiting(_ records: [KafkaConsumerRecord]) -> Bool
}

extension KafkaConsumerListener {
    public func receivedWithoutWaiting(_ records: [KafkaConsumerRecord]) -> Bool { false }

    public func partitionsLost(_ partitions: [KafkaTopicPartition]) async { await partitionsRevoked(partitions) }
}
