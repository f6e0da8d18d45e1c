import Synchronization

/// What the decide shards and the checkpoint writer tell the ingest stage
/// between barriers, without waiting: a checkpoint is wanted at once (a mode
/// switch or a significant change), how many users are dirty, whether a
/// shard is over its memory budget, which partitions another member has
/// claimed, and which must be read again without users PostgreSQL refused. Waiting would close a cycle: the
/// ingest stage waits for checkpoints, and the writer for nobody.
public final class CheckpointSignals: Sendable {
    private let immediate = Atomic<Bool>(false)
    private let dirtyUsers = Atomic<Int>(0)
    private let fenced = Mutex<[KafkaTopicPartition: Int64]>([:])
    private let memoryPressure = Atomic<Bool>(false)
    private let rewinds = Mutex<[Rewind]>([])

    public init() {}

    public func requestImmediate() { immediate.store(true, ordering: .relaxed) }

    /// Whether one was requested since the last call.
    public func takeImmediateRequest() -> Bool { immediate.exchange(false, ordering: .relaxed) }

    public func addDirtyUsers(_ count: Int) { dirtyUsers.add(count, ordering: .relaxed) }

    public func removeDirtyUsers(_ count: Int) { dirtyUsers.subtract(count, ordering: .relaxed) }

    public var dirtyUserCount: Int { dirtyUsers.load(ordering: .relaxed) }

    /// A shard holds more states than its budget, all changed since the
    /// last checkpoint: reading should wait for one, which frees them.
    public func reportMemoryPressure() { memoryPressure.store(true, ordering: .relaxed) }

    /// Whether memory pressure was reported since the last call.
    public func takeMemoryPressure() -> Bool { memoryPressure.exchange(false, ordering: .relaxed) }

    /// A checkpoint was refused for these partitions, written under these
    /// owner epochs: another member has claimed them since.
    public func fence(_ epochs: [KafkaTopicPartition: Int64]) { fenced.withLock { $0.merge(epochs) { max($0, $1) } } }

    /// The partitions fenced since the last call, with the epochs refused.
    public func takeFenced() -> [KafkaTopicPartition: Int64] {
        fenced.withLock { epochs in
            defer { epochs.removeAll() }
            return epochs
        }
    }

    /// PostgreSQL refused rows of some users of these partitions for good.
    public func rewind(_ rewind: Rewind) { rewinds.withLock { $0.append(rewind) } }

    /// The rewinds asked for since the last call, oldest first.
    public func takeRewinds() -> [Rewind] {
        rewinds.withLock { rewinds in
            defer { rewinds.removeAll() }
            return rewinds
        }
    }
}
