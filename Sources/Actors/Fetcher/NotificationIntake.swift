import Logging
import Synchronization

/// The fetcher's consumer listener: hands each notification to the fetch
/// stage through a bounded channel (a full one stalls the consumer, which
/// pauses its partitions) and keeps the `OffsetCommitTracker` that says
/// what may be committed.
final class NotificationIntake: KafkaConsumerListener {
    struct Item: Sendable {
        let record: KafkaConsumerRecord
        let generation: Int
    }

    let channel: BoundedChannel<Item>
    private let tracker = Mutex(OffsetCommitTracker())
    private let fetching = Atomic<Int>(0)
    /// Set once the consumer exists; revocations commit through it.
    let consumer = Mutex<KafkaConsumer?>(nil)
    private let logger: Logger

    init(capacity: Int, logger: Logger) {
        channel = BoundedChannel(capacity: capacity)
        self.logger = logger
    }

    func partitionsAssigned(_ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64] {
        tracker.withLock { $0.assigned(partitions) }
        return [:]  // Kafka's committed offsets
    }

    func partitionsRevoked(_ partitions: [KafkaTopicPartition]) async {
        let offsets = tracker.withLock { $0.revoked(partitions) }
        await commit(offsets)
    }

    func partitionsLost(_ partitions: [KafkaTopicPartition]) async {
        // Another member may own them: committing now could move its offsets.
        _ = tracker.withLock { $0.revoked(partitions) }
    }

    func received(_ records: [KafkaConsumerRecord]) async {
        for record in records {
            guard let generation = tracker.withLock({ $0.started(record.topicPartition, offset: record.offset) }) else { continue }
            guard await channel.send(Item(record: record, generation: generation)) else { return }
        }
    }

    /// Notifications taken off the channel and not finished yet.
    var busy: Int { fetching.load(ordering: .relaxed) }

    func begin() {
        fetching.add(1, ordering: .relaxed)
    }

    func end() {
        fetching.subtract(1, ordering: .relaxed)
    }

    func finished(_ item: Item) {
        tracker.withLock { $0.finished(item.record.topicPartition, offset: item.record.offset, generation: item.generation) }
    }

    /// Commits every partition's lowest unfinished offset that moved.
    func commitFinished() async {
        await commit(tracker.withLock { $0.committable() })
    }

    private func commit(_ offsets: [KafkaTopicPartition: Int64]) async {
        guard !offsets.isEmpty, let consumer = consumer.withLock({ $0 }) else { return }
        do {
            try await consumer.commit(offsets)
            tracker.withLock { $0.committed(offsets) }
        } catch {
            // The next commit carries these offsets or later ones; until then a
            // restart fetches a few notifications again, which is harmless.
            logger.debug("committing fetcher offsets: \(error)")
        }
    }
}
