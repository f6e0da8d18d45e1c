import Synchronization

/// Running counts of the processor, for logs, tests and the benchmark.
/// Every consumed record ends as exactly one of processed, dead-lettered or
/// duplicate.
public final class ProcessorStatistics: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var consumed = 0
        public var processed = 0
        public var deadLettered = 0
        public var duplicates = 0
        public var partial = 0
        public var modeSwitches = 0
        public var checkpoints = 0
        /// User states written by checkpoints, and their sealed bytes.
        public var statesWritten = 0
        public var stateBytesWritten = 0
        /// Rejected samples and whole records by reason code.
        public var rejections: [String: Int] = [:]
        /// Partitions this member owns now (readiness needs at least one).
        public var ownedPartitions = 0
        /// Users whose states are in memory.
        public var activeUsers = 0
        /// Clean states dropped to stay within the memory budget.
        public var evictedUsers = 0
        /// Partitions another member claimed while this one still held them
        /// (its checkpoint was refused), and partitions taken away without a
        /// revocation (out of the group too long).
        public var fencedPartitions = 0
        public var lostPartitions = 0

        public init() {}
    }

    /// What changes too often to be counted as it happens, read when asked
    /// (a `/metrics` scrape): batches waiting per stage, and consumer lag.
    public struct Gauges: Sendable {
        /// Elements (record batches, barriers) waiting in each stage's inbox.
        public var queueDepths: [String: Int] = [:]
        /// Per owned partition: records between the high watermark and the
        /// next record the processor will be handed.
        public var consumerLag: [KafkaTopicPartition: Int64] = [:]
        /// How long the oldest record read since the last written checkpoint
        /// has waited for one; zero when everything read is checkpointed.
        public var checkpointAge: Duration = .zero

        public init(queueDepths: [String: Int] = [:], consumerLag: [KafkaTopicPartition: Int64] = [:]) {
            self.queueDepths = queueDepths
            self.consumerLag = consumerLag
        }
    }

    private let counts = Mutex(Snapshot())
    private let uncheckpointedSince = Mutex<ContinuousClock.Instant?>(nil)
    private let gaugeSource = Mutex<(@Sendable () -> Gauges)?>(nil)
    /// Kafka append (the record's timestamp) → decision.
    public let latency = LatencyHistogram()
    /// Kafka append → the ingest stage received it: the share of `latency`
    /// spent in Kafka and the consumer, before any stage of ours.
    public let arrivalLatency = LatencyHistogram()
    /// The stages' batches and checkpoints moment by moment, while a benchmark records.
    public let timeline = ProcessorTimeline()

    /// Where events that metrics count one by one (switches, checkpoints) are told.
    public let metrics: BridgeMetrics?

    public init(metrics: BridgeMetrics? = nil) {
        self.metrics = metrics
    }

    public var snapshot: Snapshot { counts.withLock { $0 } }

    /// The running processor's gauges; empty while none runs.
    public var gauges: Gauges {
        var gauges = gaugeSource.withLock { $0 }?() ?? Gauges()
        gauges.checkpointAge = uncheckpointedAge
        return gauges
    }

    /// Where `gauges` come from while the processor runs; nil when it stops.
    public func readGauges(from source: (@Sendable () -> Gauges)?) {
        gaugeSource.withLock { $0 = source }
    }

    /// When the oldest record whose effect is not yet in a written
    /// checkpoint was read; nil when everything read is checkpointed.
    public func setUncheckpointedSince(_ instant: ContinuousClock.Instant?) {
        uncheckpointedSince.withLock { $0 = instant }
    }

    /// How long the oldest record not yet checkpointed has waited: it grows
    /// while PostgreSQL cannot be written, and readiness watches it.
    public var uncheckpointedAge: Duration {
        uncheckpointedSince.withLock { $0 }.map { ContinuousClock.now - $0 } ?? .zero
    }

    public func update(_ change: (inout Snapshot) -> Void) {
        counts.withLock { change(&$0) }
    }
}
