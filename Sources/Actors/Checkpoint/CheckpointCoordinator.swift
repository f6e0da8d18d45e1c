import Logging
import Pipeline
import Synchronization

/// Collects the shards' reports for each barrier; once all are in and every
/// output before the barrier is acknowledged, writes states, offsets and mode
/// transitions in one PostgreSQL transaction, in barrier order.
public actor CheckpointCoordinator {
    private let shardCount: Int
    private let store: CheckpointStore
    private let tracker: OutputTracker
    private let progress: CheckpointProgress
    private let signals: CheckpointSignals
    private let statistics: ProcessorStatistics
    private let logger: Logger
    private let afterWrite: @Sendable ([KafkaTopicPartition: Int64]) async -> Void
    private var reports: [Int: [ShardReport]] = [:]
    /// Complete barriers waiting for their write; a few at most, since the
    /// ingest stage keeps one barrier in flight.
    private let complete = BoundedChannel<(Barrier, [ShardReport])>(capacity: 4)
    private let sealersEnded = Atomic<Int>(0)

    public init(
        shardCount: Int, store: CheckpointStore, tracker: OutputTracker, progress: CheckpointProgress, signals: CheckpointSignals,
        statistics: ProcessorStatistics, logger: Logger, afterWrite: @escaping @Sendable ([KafkaTopicPartition: Int64]) async -> Void
    ) {
        self.shardCount = shardCount
        self.store = store
        self.tracker = tracker
        self.progress = progress
        self.signals = signals
        self.statistics = statistics
        self.logger = logger
        self.afterWrite = afterWrite
    }

    public func receive(_ report: ShardReport) async {
        reports[report.barrier.id, default: []].append(report)
        guard reports[report.barrier.id]!.count == shardCount, let all = reports.removeValue(forKey: report.barrier.id) else { return }
        await complete.send((report.barrier, all))
    }

    /// Complete checkpoints waiting for their write.
    public nonisolated var writesWaiting: Int { complete.count }

    /// A shard's sealer ended; once every one has, no more reports come.
    public nonisolated func sealerEnded() {
        if sealersEnded.add(1, ordering: .relaxed).newValue == shardCount { complete.finish() }
    }

    /// The writer loop: one checkpoint at a time, in order.
    public nonisolated func runWriter() async throws {
        let clock = ContinuousClock()
        while let (barrier, reports) = await complete.next() {
            try await tracker.drained(through: barrier.id)
            var cut = Cut(barrier: barrier, states: reports.flatMap(\.states), switches: reports.flatMap(\.switches))
            // Users of partitions this member no longer owns, forgotten after
            // their state changed, are not this member's to write.
            cut.drop(Set(cut.states.map(\.partition)).filter { barrier.epochs[$0] == nil })
            let store = store
            let started = clock.now
            while true {
                let attempt = cut
                // Abandoned when the run ends: a write waiting for a lock must
                // not hold a failing processor up, and the next owner replays it.
                let refusal = try await Retry.untilSuccess("writing checkpoint \(barrier.id)", logger: logger) {
                    try await Abandonable.run {
                        try await store.write(offsets: attempt.offsets, epochs: attempt.epochs, states: attempt.states, switches: attempt.switches)
                    }
                }
                guard let refusal else { break }
                if !refusal.fenced.isEmpty {
                    logger.warning("""
                        checkpoint \(barrier.id) refused for \(refusal.fenced.count) partitions another member has claimed \
                        (\(refusal.fenced.map(\.description).sorted().joined(separator: ", "))): this member's progress on them since its last checkpoint is dropped
                        """)
                    signals.fence(attempt.epochs.filter { refusal.fenced.contains($0.key) })
                    cut.drop(refusal.fenced)
                }
                if !refusal.users.isEmpty { try await rewind(refusal.users, of: &cut, barrier: barrier) }
            }
            let (states, switches) = (cut.states, cut.switches)
            progress.complete(barrier.id)
            let took = clock.now - started
            statistics.timeline.record(.written(barrier: barrier.id, states: states.count, took: took))
            let stateBytes = states.reduce(0) { $0 + $1.sealed.readableBytes }
            statistics.update { [written = states.count] in
                $0.checkpoints += 1
                $0.statesWritten += written
                $0.stateBytesWritten += stateBytes
            }
            statistics.metrics?.checkpointSaved(after: took, states: states.count, stateBytes: stateBytes)
            logger.debug("checkpoint \(barrier.id): \(states.count) states, \(switches.count) switches, \(cut.offsets.count) partitions in \(took)")
            await afterWrite(cut.offsets)
        }
    }

    /// Leaves the refused users' partitions out of `cut` and has them read
    /// again from their last checkpoint without those users' records.
    private nonisolated func rewind(_ users: Set<String>, of cut: inout Cut, barrier: Barrier) async throws {
        let refusedUsers = cut.partitions(of: users)
        let partitions = Set(refusedUsers.values)
        let store = store
        let offsets = try await Retry.untilSuccess("reading the last checkpoint of \(partitions.count) partitions", logger: logger) {
            try await store.offsets(for: Array(partitions))
        }
        logger.error("""
            checkpoint \(barrier.id): PostgreSQL refused the rows of \(users.count) users for their data \
            (\(users.map { UserHash.of($0) }.sorted().joined(separator: ", "))): their records are dead-lettered as \
            \(RejectionReason.storageRefused.rawValue) from the last checkpoint on, and partitions \
            \(partitions.map(\.description).sorted().joined(separator: ", ")) are read again from it
            """)
        signals.rewind(Rewind(offsets: offsets, epochs: cut.epochs.filter { partitions.contains($0.key) }, refusedUsers: refusedUsers))
        cut.drop(partitions, users: users)
    }
}
