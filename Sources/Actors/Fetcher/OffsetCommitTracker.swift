/// Which offsets of each partition the fetcher may commit, as a pure state
/// machine. Notifications finish out of order (users are fetched
/// concurrently); the committed offset is the lowest one not finished, so
/// a restart fetches again whatever was unfinished — at least once, never
/// less. A partition taken away and given back starts a new generation, and
/// what finishes from the old one is ignored.
struct OffsetCommitTracker: Sendable {
    private struct Partition {
        let generation: Int
        var unfinished: Set<Int64> = []
        /// One past the highest offset started.
        var next: Int64?
        var committed: Int64?
    }

    private var partitions: [KafkaTopicPartition: Partition] = [:]
    private var generations = 0

    mutating func assigned(_ assigned: [KafkaTopicPartition]) {
        for partition in assigned {
            generations += 1
            partitions[partition] = Partition(generation: generations)
        }
    }

    /// A record handed to a worker (in offset order per partition); nil
    /// for a partition not assigned.
    mutating func started(_ partition: KafkaTopicPartition, offset: Int64) -> Int? {
        guard var state = partitions[partition] else { return nil }
        state.unfinished.insert(offset)
        state.next = max(state.next ?? offset + 1, offset + 1)
        partitions[partition] = state
        return state.generation
    }

    mutating func finished(_ partition: KafkaTopicPartition, offset: Int64, generation: Int) {
        guard partitions[partition]?.generation == generation else { return }
        partitions[partition]?.unfinished.remove(offset)
    }

    /// The offsets to commit now: per partition, the lowest unfinished one
    /// (or one past the last started), when it moved since the last commit.
    mutating func committable() -> [KafkaTopicPartition: Int64] {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for (partition, state) in partitions {
            guard let next = state.next else { continue }
            let offset = state.unfinished.min() ?? next
            if offset != state.committed { offsets[partition] = offset }
        }
        return offsets
    }

    /// The commit of `committable()` went through.
    mutating func committed(_ offsets: [KafkaTopicPartition: Int64]) {
        for (partition, offset) in offsets { partitions[partition]?.committed = offset }
    }

    /// What to commit before the partitions go, and forgets them.
    mutating func revoked(_ revoked: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64] {
        let offsets = committable().filter { revoked.contains($0.key) }
        for partition in revoked { partitions[partition] = nil }
        return offsets
    }
}
