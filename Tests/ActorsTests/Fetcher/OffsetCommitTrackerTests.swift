@testable import Actors
import Testing

/// What the fetcher may commit while notifications finish out of order.
struct OffsetCommitTrackerTests {
    let partition = KafkaTopicPartition(topic: "provider-notifications", partition: 0)

    /// The committed offset never passes an unfinished notification.
    @Test func theLowestUnfinishedOffsetIsCommitted() throws {
        var tracker = OffsetCommitTracker()
        tracker.assigned([partition])
        let started = tracker.started(partition, offset: 10)
        let generation = try #require(started)
        _ = tracker.started(partition, offset: 11)
        _ = tracker.started(partition, offset: 12)
        tracker.finished(partition, offset: 11, generation: generation)
        tracker.finished(partition, offset: 12, generation: generation)
        var offsets = tracker.committable()
        #expect(offsets == [partition: 10])
        tracker.committed(offsets)
        offsets = tracker.committable()
        #expect(offsets == [:], "nothing moved")
        tracker.finished(partition, offset: 10, generation: generation)
        offsets = tracker.committable()
        #expect(offsets == [partition: 13])
    }

    /// A partition taken away and given back ignores what finishes from before.
    @Test func aNewGenerationIgnoresTheOldOnesFinishes() throws {
        var tracker = OffsetCommitTracker()
        tracker.assigned([partition])
        let oldStart = tracker.started(partition, offset: 5)
        let old = try #require(oldStart)
        let final = tracker.revoked([partition])
        #expect(final == [partition: 5])
        let unassigned = tracker.started(partition, offset: 6)
        #expect(unassigned == nil, "not assigned")
        tracker.assigned([partition])
        let newStart = tracker.started(partition, offset: 5)
        let new = try #require(newStart)
        #expect(new != old)
        tracker.finished(partition, offset: 5, generation: old)
        var offsets = tracker.committable()
        #expect(offsets == [partition: 5], "the old generation's finish does not count")
        tracker.finished(partition, offset: 5, generation: new)
        offsets = tracker.committable()
        #expect(offsets == [partition: 6])
    }
}
