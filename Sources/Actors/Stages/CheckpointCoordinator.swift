import Logging
import Pipeline

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

    /// No more barriers will come.
    public nonisolated func finish() { complete.finish() }

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
                let fenced = try await Retry.untilSuccess("writing checkpoint \(barrier.id)", logger: logger) {
                    try await store.write(offsets: attempt.offsets, epochs: attempt.epochs, states: attempt.states, switches: attempt.switches)
                }
                guard !fenced.isEmpty else { break }
                logger.warning("""
                    checkpoint \(barrier.id) refused for \(fenced.count) partitions another member has claimed \
                    (\(fenced.map(\.description).sorted().joined(separator: ", "))): this member's progress on them since its last checkpoint is dropped
                    """)
                signals.fence(attempt.epochs.filter { fenced.contains($0.key) })
                cut.drop(fenced)
            }
            let (states, switches) = (cut.states, cut.switches)
            progress.complete(barrier.id)
            statistics.update { $0.checkpoints += 1 }
            statistics.metrics?.checkpointSaved(after: clock.now - started)
            logger.debug("checkpoint \(barrier.id): \(states.count) states, \(switches.count) switches, \(cut.offsets.count) partitions in \(clock.now - started)")
            await afterWrite(cut.offsets)
        }
    }
}
