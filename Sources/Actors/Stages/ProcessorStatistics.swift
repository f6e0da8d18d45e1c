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
        /// Rejected samples and whole records by reason code (SPEC 3's stable codes).
        public var rejections: [String: Int] = [:]
        /// Partitions this member owns now (readiness needs at least one).
        public var ownedPartitions = 0
        /// Users whose states are in memory.
        public var activeUsers = 0

        public init() {}
    }

    private let counts = Mutex(Snapshot())
    /// Kafka append (the record's timestamp) → decision.
    public let latency = LatencyHistogram()
    /// Kafka append → the ingest stage received it: the share of `latency`
    /// spent in Kafka and the consumer, before any stage of ours.
    public let arrivalLatency = LatencyHistogram()

    /// Where events that metrics count one by one (switches, checkpoints) are told.
    public let metrics: BridgeMetrics?

    public init(metrics: BridgeMetrics? = nil) {
        self.metrics = metrics
    }

    public var snapshot: Snapshot { counts.withLock { $0 } }

    public func update(_ change: (inout Snapshot) -> Void) {
        counts.withLock { change(&$0) }
    }
}
