import Actors
import Foundation
import Logging
import Pipeline
import PostgresNIO
import Synchronization
import Workbench

/// `bench pipeline`: the whole processor — mock Kafka cluster in-process or
/// in a process of its own, the configured PostgreSQL, checkpointing on —
/// against a bare
/// consume+decode loop over the same records, measured in the same run.
public struct PipelineBenchmark: Sendable {
    public struct Options: Sendable {
        public var events = 200_000
        public var users = 2_000
        public var workload = SyntheticEnvelopes.Workload.mixed
        public var shards = 2 * ProcessInfo.processInfo.activeProcessorCount
        /// As `serve --max-resident-users`.
        public var residentBudget = 250_000
        public var latencySeconds = 10.0
        public var latencyRate = LatencyRate.halfOfTarget
        public var latencyPartitions: Int32 = PipelineBenchmark.defaultPacedPartitions
        /// The mock broker and the producers in a `kafka-mock` process of
        /// their own (`ExternalLoad`) instead of this one.
        public var externalLoad = false
        /// Where the latency run's timeline goes, one JSON object per line; nowhere when nil.
        public var timelinePath: String?
        public var database: PostgresSettings

        public init(database: PostgresSettings) {
            self.database = database
        }
    }

    /// The events/s the processor must sustain on this 2-core machine.
    public static let targetEventsPerSecond = 100_000.0

    /// The paced rate of the latency run.
    public enum LatencyRate: Sendable, Equatable {
        /// Half the rate the processor must sustain: a fixed load, so runs
        /// compare across commits and machines.
        case halfOfTarget
        /// Half the rate this run measured. The producer and the mock broker
        /// share the two cores with the processor here, so this load takes
        /// half the cores for processing plus theirs for producing.
        case halfOfMeasured
        case eventsPerSecond(Double)

        func eventsPerSecond(measured: Double) -> Double {
            switch self {
            case .halfOfTarget: PipelineBenchmark.targetEventsPerSecond / 2
            case .halfOfMeasured: measured / 2
            case .eventsPerSecond(let rate): rate
            }
        }

        var basis: String {
            switch self {
            case .halfOfTarget: String(format: "half the %.0f events/s target", PipelineBenchmark.targetEventsPerSecond)
            case .halfOfMeasured: "half the measured rate"
            case .eventsPerSecond: "as given"
            }
        }
    }

    public struct Result: Sendable, Codable {
        public var events: Int
        public var users: Int
        public var workload: SyntheticEnvelopes.Workload
        public var shards: Int
        /// Envelopes decided per second, from the first record consumed to the
        /// last one decided, with checkpoints written meanwhile.
        public var eventsPerSecond: Double
        /// Busy cores of this process (processor, and the mock cluster unless
        /// the load is external) meanwhile.
        public var throughputCores: Double
        public var readingsPerSecond: Double
        public var baselineEventsPerSecond: Double
        public var ratioToBaseline: Double
        /// From the first record consumed until a checkpoint holding the last one
        /// was written (checkpoint interval 1 s in this benchmark).
        public var durableAfterSeconds: Double
        public var checkpoints: Int
        public var modeSwitches: Int
        /// User states the throughput run's checkpoints wrote, and their
        /// sealed bytes per second of the run (until durable).
        public var statesWritten: Int
        public var checkpointStateBytesPerSecond: Double
        /// Sealed sizes of the users' stored states after the throughput run.
        public var storedStateBytesP50: Int
        public var storedStateBytesP99: Int
        public var storedStateBytesMax: Int
        /// Growth of the process's RSS from just before the processor started
        /// (the mock already holding every record) to the end of the
        /// throughput run, per user state in memory then: states plus the
        /// processor's share of buffers, an upper bound on a state's cost.
        public var residentBytesPerUser: Double
        public var residentUsers: Int
        public var evictedUsers: Int
        /// A processor started again on the throughput run's checkpoint, with
        /// one more record per user waiting: every user's state is loaded
        /// from PostgreSQL before its record is decided. Seconds from its
        /// start to owning its partitions (the group's rebalance: the mock
        /// waits its session timeout less a second when the last member left
        /// a group that was up), to the first record decided and to the
        /// last, and its events/s from owning the partitions to the last.
        public var resumeRecords: Int
        public var resumeAssignedSeconds: Double
        public var resumeFirstDecidedSeconds: Double
        public var resumeAllDecidedSeconds: Double
        public var resumeEventsPerSecond: Double
        public var latencyRate: Double
        /// Where the rate comes from: half the target, half the measured rate, or given.
        public var latencyRateBasis: String
        /// The latency run's topic has few partitions (see `pacedTopic`).
        public var latencyPartitions: Int
        public var latencyEvents: Int
        public var latencyP50Milliseconds: Double
        public var latencyP99Milliseconds: Double
        public var latencyP999Milliseconds: Double
        /// Append → the ingest stage: Kafka's and the consumer's share.
        public var arrivalP50Milliseconds: Double
        public var arrivalP99Milliseconds: Double
        /// Busy cores of this process (processor, and the mock cluster and
        /// producer unless the load is external) during the measured seconds.
        public var latencyCores: Double
        /// Checkpoints and the user states they wrote from the first measured
        /// record until one held the last: paced records checkpoint far more
        /// often per event than a backlog, since a mode switch asks for a
        /// checkpoint at once.
        public var latencyCheckpoints: Int
        public var latencyStatesWritten: Int
        /// The same checkpoints from the stages' timeline: their sizes and
        /// times, and the records' waits while one was in flight and between.
        public var latencyCheckpointCycle: CheckpointCycle
        /// The bare consume+decode loop at the same paced rate: the floor that
        /// Kafka (here librdkafka's mock broker) and the consumer set.
        public var baselineLatencyP50Milliseconds: Double
        public var baselineLatencyP99Milliseconds: Double
        /// The same for the floor run: the bare loop, and the mock and the
        /// producer unless the load is external.
        public var baselineLatencyCores: Double
        /// This process (processor, and the mock cluster and producer unless
        /// the load is external) at the end of the throughput run.
        public var peakResidentMegabytes: Double
        /// Where the mock broker and the producers ran.
        public var loadPlacement: String
        /// Busy cores of their process during the latency run's measured
        /// seconds, when it is not this one.
        public var latencyHarnessCores: Double?
    }

    let options: Options
    let logger: Logger
    let progress: @Sendable (String) -> Void

    public init(options: Options, logger: Logger, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    static let eventsTopic = Topics().events
    /// The latency run's own topic. librdkafka's mock broker finds a fetch
    /// offset by walking the partition's whole list of producer batches and
    /// returns one batch per partition per fetch. A 1 ms linger makes a batch
    /// per partition per millisecond, so the walk grows with the square of
    /// the partitions: on the throughput run's 26 it, not the processor, set
    /// the tail (p99 54 ms, against 23 ms on 4). Fewer partitions cost less,
    /// but the mock keeps only 5 MB per partition: on one partition at
    /// 80 k events/s that is 150 ms of records, and a member further behind
    /// (as a new one is while it loads its users) loses them. Four keep
    /// 0.6 s. A real broker indexes its log and keeps what it is told to.
    static let pacedTopic = "biometric-events-paced"
    public static let defaultPacedPartitions: Int32 = 4
    /// The mock answers a fetch that finds nothing new only after the whole
    /// wait, where a real broker answers as soon as data arrives: a short wait
    /// stands in for that.
    static let mockFetchWait = Duration.milliseconds(1)
    /// The latency run's warm-up: a second's worth of records at a quarter of
    /// the rate (see `measureLatency`).
    static let warmUpSeconds = 1.0
    static let warmUpSlowdown = 4.0
    /// While latency is measured, the bench looks at the count this seldom,
    /// so its own wake-ups take next to nothing from the two threads the
    /// processor runs on.
    static let quietPolling = Duration.milliseconds(10)

    /// The mock keeps ~5 MB per partition: a backlog is spread thin enough to stay whole.
    static func partitions(holding records: Int) -> Int32 {
        Int32(max(16, records * 400 / 3_000_000))
    }

    public func run() async throws -> Result {
        let events = options.events
        let partitions = Self.partitions(holding: events)
        let topics = [
            KafkaTopicSpecification(name: Self.eventsTopic, partitions: partitions),
            KafkaTopicSpecification(name: Self.pacedTopic, partitions: options.latencyPartitions),
            KafkaTopicSpecification(name: Topics().switches, partitions: 4),
            KafkaTopicSpecification(name: Topics().deadLetters, partitions: 2),
        ]
        let envelopes = SyntheticEnvelopes(users: options.users, workload: options.workload)
        let load: any LoadHarness = options.externalLoad
            ? try await ExternalLoad.start(envelopes: envelopes, topics: topics)
            : try InProcessLoad(envelopes: envelopes, topics: topics)
        progress(load.placement)
        do {
            let result = try await run(load, partitions: partitions)
            await load.close()
            return result
        } catch {
            await load.close()
            throw error
        }
    }

    private func run(_ load: any LoadHarness, partitions: Int32) async throws -> Result {
        let events = options.events
        progress("producing \(events) envelopes (\(options.workload.rawValue)) for \(options.users) users into \(partitions) partitions")
        try await load.append(0..<events, topic: Self.eventsTopic)

        progress("baseline: a bare consume+decode loop over the same records")
        let baseline = try await measureBaseline(load.bootstrapServers, events: events)

        let cipher = try StateCipher.fromEnvironment(allowingDevelopmentKey: true, logger: logger)
        return try await BenchProcessor.withMigratedDatabase(on: options.database, prefix: "auren_bench", logger: logger) { database in
            progress("the processor over the same records, checkpointing into PostgreSQL")
            let throughput = try await measureThroughput(database: database, load: load, cipher: cipher, partitions: partitions)

            progress(String(format: "throughput: %.0f events/s, durable after %.2f s, %d states written (%.1f MB/s sealed), stored p50 %d B",
                            throughput.eventsPerSecond, throughput.durableAfter.seconds, throughput.statesWritten,
                            Double(throughput.stateBytesWritten) / throughput.durableAfter.seconds / 1_000_000, throughput.storedStateBytes.p50))

            let resumeRange = events..<events + options.users
            progress("resume: \(resumeRange.count) more records, one per user, for a processor restarted on the checkpoint")
            try await load.append(resumeRange, topic: Self.eventsTopic)
            let resume = try await measureResume(database: database, load: load, cipher: cipher, records: resumeRange.count, partitions: partitions)
            progress(String(format: "resume: partitions owned after %.2f s, first record decided after %.2f s, all %d after %.2f s",
                            resume.assigned.seconds, resume.firstDecided.seconds, resumeRange.count, resume.allDecided.seconds))

            let rate = options.latencyRate.eventsPerSecond(measured: throughput.eventsPerSecond)
            progress(String(format: "latency: a new member on %d partitions, producing %.0f events/s for %.0f s after a %.0f s warm-up at 1/%.0f of it",
                            options.latencyPartitions, rate, options.latencySeconds, Self.warmUpSeconds * Self.warmUpSlowdown, Self.warmUpSlowdown))
            var next = resumeRange.upperBound
            func paced(seconds: Double) -> Range<Int> {
                defer { next += Int(rate * seconds) }
                return next..<next + Int(rate * seconds)
            }
            let warmUp = paced(seconds: Self.warmUpSeconds)
            let measured = paced(seconds: options.latencySeconds)
            let latency = try await measureLatency(database: database, load: load, cipher: cipher, warmUp: warmUp, measured: measured, rate: rate)
            if let path = options.timelinePath {
                try TimelineFile.write(latency.timeline, to: path)
                progress("latency: the stages' timeline, \(latency.timeline.entries.count) entries, written to \(path)")
            }

            progress(String(format: "latency floor: the bare consume+decode loop at the same rate for %.0f s", options.latencySeconds))
            let floor = try await measureBaselineLatency(load, records: paced(seconds: options.latencySeconds), rate: rate)
            return Result(
                events: events, users: options.users, workload: options.workload, shards: options.shards, eventsPerSecond: throughput.eventsPerSecond,
                throughputCores: throughput.cores,
                readingsPerSecond: throughput.eventsPerSecond * SyntheticEnvelopes.readingsPerEnvelope, baselineEventsPerSecond: baseline,
                ratioToBaseline: throughput.eventsPerSecond / baseline, durableAfterSeconds: throughput.durableAfter.seconds,
                checkpoints: throughput.checkpoints, modeSwitches: throughput.modeSwitches,
                statesWritten: throughput.statesWritten, checkpointStateBytesPerSecond: Double(throughput.stateBytesWritten) / throughput.durableAfter.seconds,
                storedStateBytesP50: throughput.storedStateBytes.p50, storedStateBytesP99: throughput.storedStateBytes.p99,
                storedStateBytesMax: throughput.storedStateBytes.max,
                residentBytesPerUser: Double(throughput.residentGrowthBytes) / Double(max(1, throughput.residentUsers)),
                residentUsers: throughput.residentUsers, evictedUsers: throughput.evictedUsers,
                resumeRecords: resumeRange.count, resumeAssignedSeconds: resume.assigned.seconds, resumeFirstDecidedSeconds: resume.firstDecided.seconds,
                resumeAllDecidedSeconds: resume.allDecided.seconds,
                // Not from the first decision: a few thousand records are decided
                // in one batch, and the span from the first to the last is then nothing.
                resumeEventsPerSecond: Double(resumeRange.count) / (resume.allDecided - resume.assigned).seconds,
                latencyRate: rate, latencyRateBasis: options.latencyRate.basis, latencyPartitions: Int(options.latencyPartitions), latencyEvents: latency.decided.count,
                latencyP50Milliseconds: latency.decided.milliseconds(at: 0.5),
                latencyP99Milliseconds: latency.decided.milliseconds(at: 0.99),
                latencyP999Milliseconds: latency.decided.milliseconds(at: 0.999),
                arrivalP50Milliseconds: latency.arrived.milliseconds(at: 0.5),
                arrivalP99Milliseconds: latency.arrived.milliseconds(at: 0.99),
                latencyCores: latency.cores, latencyCheckpoints: latency.checkpoints, latencyStatesWritten: latency.statesWritten,
                latencyCheckpointCycle: CheckpointCycle(latency.timeline),
                baselineLatencyP50Milliseconds: floor.latency.milliseconds(at: 0.5),
                baselineLatencyP99Milliseconds: floor.latency.milliseconds(at: 0.99),
                baselineLatencyCores: floor.cores,
                peakResidentMegabytes: Double(throughput.peakResidentBytes) / 1_048_576,
                loadPlacement: load.placement, latencyHarnessCores: latency.harnessCores)
        }
    }

    private struct Throughput {
        var eventsPerSecond: Double
        var cores: Double
        var durableAfter: Duration
        var checkpoints: Int
        var modeSwitches: Int
        var statesWritten: Int
        var stateBytesWritten: Int
        var storedStateBytes: (p50: Int, p99: Int, max: Int)
        var peakResidentBytes: Int
        var residentGrowthBytes: Int
        var residentUsers: Int
        var evictedUsers: Int
    }

    /// All the records at once: decided per second, and when a checkpoint held them all.
    private func measureThroughput(
        database: PostgresSettings, load: any LoadHarness, cipher: StateCipher, partitions: Int32
    ) async throws -> Throughput {
        let events = options.events
        let group = "bench-processor"
        let residentBefore = BenchProcessor.residentBytes
        return try await withProcessor(database: database, load: load, cipher: cipher, topic: Self.eventsTopic, group: group) { statistics, client in
            let clock = ContinuousClock()
            try await BenchProcessor.waitUntil("the processor's first record") { statistics.snapshot.consumed > 0 }
            let started = clock.now
            let cpu = CPUMeter()
            try await BenchProcessor.waitUntil("the processor deciding all \(events) records (\(statistics.snapshot.consumed) so far)") {
                statistics.snapshot.consumed >= events
            }
            let decided = clock.now - started
            let cores = cpu.cores
            // Durable when a checkpoint written after the last record holds it.
            let store = CheckpointStore(client: client, group: group, logger: logger)
            let partitionList = (0..<partitions).map { KafkaTopicPartition(topic: Self.eventsTopic, partition: $0) }
            try await BenchProcessor.waitUntil("a checkpoint holding all \(events) records", every: .milliseconds(5)) {
                try await store.offsets(for: partitionList).values.reduce(0, +) >= Int64(events)
            }
            let durableAfter = clock.now - started
            let totals = statistics.snapshot
            let residentGrowth = BenchProcessor.residentBytes - residentBefore
            return Throughput(
                eventsPerSecond: Double(events) / decided.seconds, cores: cores, durableAfter: durableAfter,
                checkpoints: totals.checkpoints, modeSwitches: totals.modeSwitches, statesWritten: totals.statesWritten,
                stateBytesWritten: totals.stateBytesWritten, storedStateBytes: try await Self.storedStateSizes(client),
                peakResidentBytes: BenchProcessor.peakResidentBytes, residentGrowthBytes: residentGrowth, residentUsers: totals.activeUsers,
                evictedUsers: totals.evictedUsers)
        }
    }

    /// A new processor of the throughput run's group starts from its
    /// checkpoint, where `records` more wait: times from its start.
    private func measureResume(
        database: PostgresSettings, load: any LoadHarness, cipher: StateCipher, records: Int, partitions: Int32
    ) async throws -> (assigned: Duration, firstDecided: Duration, allDecided: Duration) {
        let clock = ContinuousClock()
        let started = clock.now
        return try await withProcessor(database: database, load: load, cipher: cipher, topic: Self.eventsTopic, group: "bench-processor") { statistics, _ in
            try await BenchProcessor.waitUntil("the restarted processor owning its \(partitions) partitions") {
                statistics.snapshot.ownedPartitions == Int(partitions)
            }
            let assigned = clock.now - started
            try await BenchProcessor.waitUntil("the restarted processor's first record") { statistics.snapshot.consumed > 0 }
            let first = clock.now - started
            try await BenchProcessor.waitUntil("the restarted processor deciding all \(records) records (\(statistics.snapshot.consumed) so far)") {
                statistics.snapshot.consumed >= records
            }
            return (assigned, first, clock.now - started)
        }
    }

    /// Percentiles of the sealed states' sizes, as PostgreSQL stores them.
    private static func storedStateSizes(_ client: PostgresClient) async throws -> (p50: Int, p99: Int, max: Int) {
        let rows = try await client.query("""
            SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY octet_length(state)), percentile_disc(0.99) WITHIN GROUP (ORDER BY octet_length(state)),
                   max(octet_length(state))
            FROM user_state
            """)
        for try await (p50, p99, max) in rows.decode((Int?, Int?, Int?).self) { return (p50 ?? 0, p99 ?? 0, max ?? 0) }
        return (0, 0, 0)
    }

    /// Paced records through a new group member, which resumes the users'
    /// states from the throughput run's checkpoints on their first records:
    /// that first second's records, sent at a quarter of the rate, and until
    /// they are decided, are the warm-up, not counted. At the full rate a new
    /// member fell behind by more than the mock keeps per partition while it
    /// loaded its users, and the records it had not fetched yet were gone.
    private func measureLatency(
        database: PostgresSettings, load: any LoadHarness, cipher: StateCipher, warmUp: Range<Int>, measured: Range<Int>, rate: Double
    ) async throws -> (
        decided: LatencyHistogram, arrived: LatencyHistogram, cores: Double, harnessCores: Double?, checkpoints: Int, statesWritten: Int,
        timeline: ProcessorTimeline.Recording
    ) {
        try await withProcessor(database: database, load: load, cipher: cipher, topic: Self.pacedTopic, group: "bench-latency") { statistics, _ in
            try await BenchProcessor.waitUntil("the latency member owning its \(options.latencyPartitions) partitions") {
                statistics.snapshot.ownedPartitions == options.latencyPartitions
            }
            try await load.pace(warmUp, topic: Self.pacedTopic, rate: rate / Self.warmUpSlowdown)
            // A new member's first records wait up to a second (fetch start,
            // states loaded); measuring before that backlog is gone counted
            // it as a stall in a third of the runs.
            try await BenchProcessor.waitUntil("the warm-up's \(warmUp.count) records decided (\(statistics.snapshot.consumed) so far)",
                                               every: Self.quietPolling) {
                statistics.snapshot.consumed >= warmUp.count
            }
            statistics.latency.reset()
            statistics.arrivalLatency.reset()
            try await load.prepare(measured, topic: Self.pacedTopic)
            let before = statistics.snapshot
            let cpu = CPUMeter()
            let harnessCPU = load.cpuMeter()
            statistics.timeline.start()
            try await load.pace(measured, topic: Self.pacedTopic, rate: rate)
            let total = warmUp.count + measured.count
            try await BenchProcessor.waitUntil("all \(total) paced records decided (\(statistics.snapshot.consumed) so far)", every: Self.quietPolling) {
                statistics.snapshot.consumed >= total
            }
            let (cores, harnessCores) = (cpu.cores, harnessCPU?.cores)
            // On until a checkpoint holds the last record, so that the timeline ends with a whole checkpoint.
            try await BenchProcessor.waitUntil("a checkpoint holding the paced records", every: Self.quietPolling) {
                statistics.uncheckpointedAge == .zero
            }
            let (after, timeline) = (statistics.snapshot, statistics.timeline.stop())
            return (statistics.latency, statistics.arrivalLatency, cores, harnessCores,
                    after.checkpoints - before.checkpoints, after.statesWritten - before.statesWritten, timeline)
        }
    }

    /// Runs a processor with the benchmark's settings on `topic` while `body` measures it.
    private func withProcessor<T>(
        database: PostgresSettings, load: any LoadHarness, cipher: StateCipher, topic: String, group: String,
        _ body: (ProcessorStatistics, PostgresClient) async throws -> T
    ) async throws -> T {
        try await BenchProcessor.with(benchSettings(load.bootstrapServers, topic: topic, group: group), database: database,
                                      cipher: cipher, logger: logger, body)
    }

    private func benchSettings(_ bootstrapServers: String, topic: String, group: String) -> ProcessorSettings {
        var settings = ProcessorSettings(bootstrapServers: bootstrapServers, shards: options.shards)
        settings.maxResidentUsers = options.residentBudget
        settings.group = group
        settings.topics.events = topic
        settings.fetchWait = Self.mockFetchWait
        return settings
    }

    /// Consume and decode (envelope from headers, JSON body) and nothing else.
    private func measureBaseline(_ bootstrapServers: String, events: Int) async throws -> Double {
        let listener = DecodeOnlyListener()
        // The processor's consumer, so the two differ only in the processing.
        let configuration = benchSettings(bootstrapServers, topic: Self.eventsTopic, group: "bench-baseline").consumerConfiguration
        let consumer = try KafkaConsumer(configuration: configuration, listener: listener)
        try await BenchProcessor.waitUntil("the bare loop decoding all \(events) records (\(listener.decoded) so far)") { listener.decoded >= events }
        try await consumer.close()
        return Double(events) / listener.elapsed.seconds
    }

    /// Paced records through the bare loop, append → decoded.
    private func measureBaselineLatency(
        _ load: any LoadHarness, records: Range<Int>, rate: Double
    ) async throws -> (latency: LatencyHistogram, cores: Double) {
        let listener = DecodeOnlyListener()
        // The processor's consumer, reading from the end.
        var configuration = benchSettings(load.bootstrapServers, topic: Self.pacedTopic, group: "bench-floor").consumerConfiguration
        configuration.startFromEarliest = false
        let consumer = try KafkaConsumer(configuration: configuration, listener: listener)
        try await BenchProcessor.waitUntil("the bare loop's assignment") { !consumer.assignment.isEmpty }
        try await Task.sleep(for: .seconds(1))
        try await load.prepare(records, topic: Self.pacedTopic)
        let cpu = CPUMeter()
        try await load.pace(records, topic: Self.pacedTopic, rate: rate)
        try await BenchProcessor.waitUntil("the bare loop receiving all \(records.count) paced records (\(listener.latency.count) so far)",
                                           every: Self.quietPolling) {
            listener.latency.count >= records.count
        }
        let cores = cpu.cores
        try await consumer.close()
        return (listener.latency, cores)
    }

}

/// The baseline's listener: decode and count.
private final class DecodeOnlyListener: KafkaConsumerListener {
    private struct State {
        var decoded = 0
        var first: ContinuousClock.Instant?
        var last: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    var decoded: Int { state.withLock { $0.decoded } }

    var elapsed: Duration { state.withLock { ($0.last ?? .now) - ($0.first ?? .now) } }

    func partitionsAssigned(_ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64] { [:] }

    func partitionsRevoked(_ partitions: [KafkaTopicPartition]) async {}

    let latency = LatencyHistogram()

    func received(_ records: [KafkaConsumerRecord]) async {
        let now = ContinuousClock.now
        let wallClock = Date().timeIntervalSince1970
        latency.record(seconds: records.compactMap { $0.timestampMilliseconds.map { wallClock - Double($0) / 1000 } })
        var count = 0
        for record in records {
            if case .success(let envelope) = InboundRecord(record).envelope, (try? JSONParser.parse(envelope.body)) != nil { count += 1 }
        }
        let decoded = count
        state.withLock { state in
            state.first = state.first ?? now
            state.decoded += decoded
            state.last = .now
        }
    }
}
