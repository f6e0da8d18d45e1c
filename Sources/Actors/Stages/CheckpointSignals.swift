import Synchronization

/// What the decide shards tell the ingest stage between barriers, without
/// waiting: a checkpoint is wanted at once (a mode switch or a significant
/// change), and how many users are dirty.
public final class CheckpointSignals: Sendable {
    private let immediate = Atomic<Bool>(false)
    private let dirtyUsers = Atomic<Int>(0)

    public init() {}

    public func requestImmediate() { immediate.store(true, ordering: .relaxed) }

    /// Whether one was requested since the last call.
    public func takeImmediateRequest() -> Bool { immediate.exchange(false, ordering: .relaxed) }

    public func addDirtyUsers(_ count: Int) { dirtyUsers.add(count, ordering: .relaxed) }

    public func removeDirtyUsers(_ count: Int) { dirtyUsers.subtract(count, ordering: .relaxed) }

    public var dirtyUserCount: Int { dirtyUsers.load(ordering: .relaxed) }
}
