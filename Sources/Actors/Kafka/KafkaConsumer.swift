import CRdKafka

/// A consumer-group member (eager `range` assignment) that batch-consumes on a
/// dedicated thread and hands records to its listener. The listener supplies
/// start offsets on assignment and learns of revocations before partitions
/// move; pause, resume and seek run on the polling thread as librdkafka 2.0
/// requires.
public final class KafkaConsumer: Sendable {
    private let loop: KafkaConsumerLoop

    /// Joins the group and starts polling.
    public init(configuration: KafkaConsumerConfiguration, listener: some KafkaConsumerListener) throws(KafkaError) {
        loop = try KafkaConsumerLoop(configuration: configuration, listener: listener)
        loop.start()
    }

    deinit {
        loop.requestStop()
    }

    /// Partitions currently assigned to this member.
    /// What stopped the consumer on its own (a refused assignment), if anything did.
    public var error: (any Error)? { loop.error }

    public var assignment: Set<KafkaTopicPartition> {
        loop.positions.withLock { $0.assigned }
    }

    /// Stops fetching these partitions; records already delivered stay delivered.
    public func pause(_ partitions: [KafkaTopicPartition]) async throws {
        try await loop.perform { try $0.setPaused(partitions, paused: true) }
    }

    public func resume(_ partitions: [KafkaTopicPartition]) async throws {
        try await loop.perform { try $0.setPaused(partitions, paused: false) }
    }

    /// Continues these partitions from the given offsets; throws what
    /// librdkafka refused.
    public func seek(_ offsets: [KafkaTopicPartition: Int64]) async throws {
        try await loop.perform { loop in
            if let error = loop.seek(offsets.map { ($0.key, $0.value) }) { throw error }
        }
    }

    /// Commits the next offsets to Kafka (synchronously, off the cooperative
    /// pool). The bridge keeps its own offsets in PostgreSQL; this only lets
    /// Kafka tools see the group's progress. Throws once closing has begun:
    /// see `KafkaConsumerLoop.commit`.
    public func commit(_ offsets: [KafkaTopicPartition: Int64]) async throws {
        guard !offsets.isEmpty else { return }
        let loop = loop
        try await ThreadBridge.offload { try loop.commit(offsets) }
    }

    /// Messages between each assigned partition's position (the next offset
    /// the listener will see) and its high watermark, from librdkafka's cached
    /// watermarks: non-blocking. A partition whose position or watermark is
    /// not known yet is left out.
    public func lag() -> [KafkaTopicPartition: Int64] {
        let snapshot = loop.positions.withLock { $0 }
        let client = loop.client!
        var lag: [KafkaTopicPartition: Int64] = [:]
        for partition in snapshot.assigned {
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_get_watermark_offsets(client.pointer, partition.topic, partition.partition, &low, &high)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { continue }
            guard let position = snapshot.nextOffset[partition] ?? Self.position(of: partition, client: client) else { continue }
            lag[partition] = max(0, high - position)
        }
        return lag
    }

    /// Leaves the group cleanly (the listener hears of the revocation first)
    /// and stops the thread. Throws the error that stopped the consumer, if any.
    public func close() async throws {
        loop.requestStop()
        try await waitUntilStopped()
    }

    /// Waits until the consumer stopped, by `close` or because the listener
    /// failed to take an assignment; throws that failure. A cancelled task
    /// asks the consumer to stop and waits no longer.
    public func waitUntilStopped() async throws {
        let loop = loop
        try await withTaskCancellationHandler {
            try await loop.stop.finished()
        } onCancel: {
            loop.requestStop()
        }
        if let error = loop.error { throw error }
    }

    private static func position(of partition: KafkaTopicPartition, client: KafkaClientHandle) -> Int64? {
        KafkaPartitionList.withList([(partition, nil)]) { list in
            guard rd_kafka_position(client.pointer, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            let offset = list.pointee.elems[0].offset
            return offset >= 0 ? offset : nil
        }
    }
}
