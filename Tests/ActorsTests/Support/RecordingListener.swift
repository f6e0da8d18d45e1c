import Actors
import Synchronization

/// What a consumer's listener heard, in the order it heard it, across every
/// consumer sharing the log — so a test can check that a revocation came
/// before the partitions moved.
final class ConsumerEventLog: Sendable {
    enum Event: Equatable, Sendable {
        case assigned(member: String, [KafkaTopicPartition])
        case revoked(member: String, [KafkaTopicPartition])
    }

    private let events = Mutex<[Event]>([])

    func append(_ event: Event) { events.withLock { $0.append(event) } }

    var all: [Event] { events.withLock { $0 } }
}

/// A listener that records everything and takes start offsets from a shared
/// store — standing in for the processor's PostgreSQL offsets. Records can be
/// held back by closing the gate, to leave work unconsumed.
final class RecordingListener: KafkaConsumerListener {
    let member: String
    let log: ConsumerEventLog
    let offsetStore: OffsetStore
    private let received = Mutex<[KafkaConsumerRecord]>([])
    private let gateOpen = Atomic<Bool>(true)

    init(member: String, log: ConsumerEventLog = ConsumerEventLog(), offsetStore: OffsetStore = OffsetStore()) {
        self.member = member
        self.log = log
        self.offsetStore = offsetStore
    }

    var records: [KafkaConsumerRecord] { received.withLock { $0 } }

    var count: Int { received.withLock { $0.count } }

    func holdRecords() { gateOpen.store(false, ordering: .releasing) }

    func releaseRecords() { gateOpen.store(true, ordering: .releasing) }

    func partitionsAssigned(_ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64] {
        log.append(.assigned(member: member, partitions.sorted()))
        return offsetStore.offsets(for: partitions)
    }

    func partitionsRevoked(_ partitions: [KafkaTopicPartition]) async {
        log.append(.revoked(member: member, partitions.sorted()))
    }

    func received(_ records: [KafkaConsumerRecord]) async {
        received.withLock { $0.append(contentsOf: records) }
        for record in records {
            offsetStore.store(record.topicPartition, next: record.offset + 1)
        }
        while !gateOpen.load(ordering: .acquiring) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Next offsets per partition, shared by the members of a group.
final class OffsetStore: Sendable {
    private let offsets: Mutex<[KafkaTopicPartition: Int64]>

    init(_ initial: [KafkaTopicPartition: Int64] = [:]) {
        offsets = Mutex(initial)
    }

    func offsets(for partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64] {
        offsets.withLock { stored in stored.filter { partitions.contains($0.key) } }
    }

    func store(_ partition: KafkaTopicPartition, next: Int64) {
        offsets.withLock { $0[partition] = next }
    }
}
