import Foundation
import Logging
import Pipeline
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// `bench pipeline`: the whole processor — mock Kafka cluster in-process,
/// the configured PostgreSQL, checkpointing on — against a bare
/// consume+decode loop over the same records, measured in the same run.
public struct PipelineBenchmark: Sendable {
    public struct Options: Sendable {
        public var events = 200_000
        public var users = 2_000
        public var shards = 2 * ProcessInfo.processInfo.activeProcessorCount
        public var latencySeconds = 10.0
        public var database: PostgresSettings

        public init(database: PostgresSettings) {
            self.database = database
        }
    }

    public struct Result: Sendable, Codable {
        public var events: Int
        public var users: Int
        public var shards: Int
        /// Envelopes decided per second, from the first record consumed to the
        /// last one decided, with checkpoints written meanwhile.
        public var eventsPerSecond: Double
        public var readingsPerSecond: Double
        public var baselineEventsPerSecond: Double
        public var ratioToBaseline: Double
        /// From the first record consumed until a checkpoint holding the last one
        /// was written (checkpoint interval 1 s in this benchmark).
        public var durableAfterSeconds: Double
        public var checkpoints: Int
        public var modeSwitches: Int
        public var latencyRate: Double
        public var latencyEvents: Int
        public var latencyP50Milliseconds: Double
        public var latencyP99Milliseconds: Double
        public var latencyP999Milliseconds: Double
        /// Append → the ingest stage: Kafka's and the consumer's share.
        public var arrivalP50Milliseconds: Double
        public var arrivalP99Milliseconds: Double
        /// The bare consume+decode loop at the same paced rate: the floor that
        /// Kafka (here librdkafka's mock broker, in-process) and the consumer set.
        public var baselineLatencyP50Milliseconds: Double
        public var baselineLatencyP99Milliseconds: Double
        /// The whole process (mock cluster, producer and processor) at the end
        /// of the throughput run.
        public var peakResidentMegabytes: Double
    }

    let options: Options
    let logger: Logger
    let progress: @Sendable (String) -> Void

    public init(options: Options, logger: Logger, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    public func run() async throws -> Result {
        let events = options.events
        // The mock keeps ~5 MB per partition: spread the records thin enough.
        let partitions = Int32(max(16, events * 400 / 3_000_000))
        let cluster = try KafkaMockCluster(brokers: 1)
        let eventsTopic = "biometric-events"
        try cluster.createTopic(KafkaTopicSpecification(name: eventsTopic, partitions: partitions))
        try cluster.createTopic(KafkaTopicSpecification(name: "neuros-mode-switches", partitions: 4))
        try cluster.createTopic(KafkaTopicSpecification(name: "biometric-events.dlq", partitions: 2))
        let envelopes = SyntheticEnvelopes(users: options.users, topic: eventsTopic)

        progress("producing \(events) envelopes for \(options.users) users into \(partitions) partitions")
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        // The latency run counts from the append; the ingress sends with a short linger too.
        producerConfiguration.linger = .milliseconds(1)
        let producer = try KafkaProducer(configuration: producerConfiguration)
        for index in 0..<events { try await producer.enqueue(envelopes.record(index)) { _ in } }
        try await producer.flush(timeout: .seconds(120))

        progress("baseline: a bare consume+decode loop over the same records")
        let baseline = try await measureBaseline(cluster.bootstrapServers, events: events)

        return try await ScratchDatabase.with(on: options.database, prefix: "auren_bench", logger: logger) { database in
            try await measureProcessor(
                database: database, cluster: cluster, producer: producer, envelopes: envelopes, partitions: partitions, baseline: baseline)
        }
    }

    private func measureProcessor(
        database: PostgresSettings, cluster: KafkaMockCluster, producer: KafkaProducer, envelopes: SyntheticEnvelopes,
        partitions: Int32, baseline: Double
    ) async throws -> Result {
        let events = options.events
        let eventsTopic = envelopes.topic
        let migrations = try Migration.load(from: Migration.defaultDirectory())
        try await PostgresSession.with(database, logger: logger) { client in
            try await MigrationRunner(client: client, logger: logger).apply(migrations)
        }

        progress("the processor over the same records, checkpointing into PostgreSQL")
        let client = PostgresClient(configuration: database.clientConfiguration, backgroundLogger: logger)
        var settings = ProcessorSettings(bootstrapServers: cluster.bootstrapServers, shards: options.shards)
        settings.group = "bench-processor"
        var thresholds = BridgeConfiguration()
        thresholds.checkpoint.intervalSeconds = 1
        let processor = StreamProcessor(
            settings: settings, client: client, configuration: ConfigurationStore(thresholds), watcher: nil,
            cipher: try StateCipher.fromEnvironment(logger: logger), logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: client), .init(service: processor)], logger: logger))
        let running = Task { try await group.run() }

        let statistics = processor.statistics
        let clock = ContinuousClock()
        while statistics.snapshot.consumed == 0 { try await Task.sleep(for: .milliseconds(2)) }
        let started = clock.now
        while statistics.snapshot.consumed < events { try await Task.sleep(for: .milliseconds(1)) }
        let decided = clock.now - started
        // Durable when a checkpoint written after the last record holds it.
        let store = CheckpointStore(client: client, group: settings.group, logger: logger)
        let partitionList = (0..<partitions).map { KafkaTopicPartition(topic: eventsTopic, partition: $0) }
        while try await store.offsets(for: partitionList).values.reduce(0, +) < Int64(events) {
            try await Task.sleep(for: .milliseconds(5))
        }
        let durable = clock.now - started
        let rate = Double(events) / decided.seconds
        // Before the latency run builds its paced records in memory.
        let peakResident = Self.peakResidentBytes

        let latencyRate = rate / 2
        progress(String(format: "latency: producing at half that rate (%.0f events/s) for %.0f s", latencyRate, options.latencySeconds))
        let target = Int(latencyRate * options.latencySeconds)
        // Built before the clock starts, so only sending competes for the cores.
        let paced = (0..<target).map { envelopes.record(events + $0) }
        statistics.latency.reset()
        statistics.arrivalLatency.reset()
        try await Self.pace(paced, rate: latencyRate, through: producer)
        try await producer.flush(timeout: .seconds(60))
        while statistics.snapshot.consumed < events + target { try await Task.sleep(for: .milliseconds(10)) }
        let latency = statistics.latency
        await group.triggerGracefulShutdown()
        try await running.value

        progress(String(format: "latency floor: the bare consume+decode loop at the same rate for %.0f s", options.latencySeconds))
        let floor = try await measureBaselineLatency(
            cluster.bootstrapServers, producer: producer, records: (0..<target).map { envelopes.record(events + target + $0) }, rate: latencyRate)
        await producer.close()
        let totals = statistics.snapshot
        return Result(
            events: events, users: options.users, shards: options.shards, eventsPerSecond: rate,
            readingsPerSecond: rate * SyntheticEnvelopes.readingsPerEnvelope, baselineEventsPerSecond: baseline,
            ratioToBaseline: rate / baseline, durableAfterSeconds: durable.seconds, checkpoints: totals.checkpoints, modeSwitches: totals.modeSwitches,
            latencyRate: latencyRate, latencyEvents: latency.count,
            latencyP50Milliseconds: (latency.percentile(0.5) ?? 0) * 1000,
            latencyP99Milliseconds: (latency.percentile(0.99) ?? 0) * 1000,
            latencyP999Milliseconds: (latency.percentile(0.999) ?? 0) * 1000,
            arrivalP50Milliseconds: (statistics.arrivalLatency.percentile(0.5) ?? 0) * 1000,
            arrivalP99Milliseconds: (statistics.arrivalLatency.percentile(0.99) ?? 0) * 1000,
            baselineLatencyP50Milliseconds: (floor.percentile(0.5) ?? 0) * 1000,
            baselineLatencyP99Milliseconds: (floor.percentile(0.99) ?? 0) * 1000,
            peakResidentMegabytes: Double(peakResident) / 1_048_576)
    }

    /// Consume and decode (envelope from headers, JSON body) and nothing else.
    private func measureBaseline(_ bootstrapServers: String, events: Int) async throws -> Double {
        let listener = DecodeOnlyListener()
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: "bench-baseline", topics: ["biometric-events"])
        configuration.maxBatchSize = 2_000
        let consumer = try KafkaConsumer(configuration: configuration, listener: listener)
        while listener.decoded < events { try await Task.sleep(for: .milliseconds(5)) }
        try await consumer.close()
        return Double(events) / listener.elapsed.seconds
    }

    /// Paced records through the bare loop, append → decoded.
    private func measureBaselineLatency(
        _ bootstrapServers: String, producer: KafkaProducer, records: [KafkaProducerRecord], rate: Double
    ) async throws -> LatencyHistogram {
        let listener = DecodeOnlyListener()
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: "bench-floor", topics: ["biometric-events"])
        configuration.maxBatchSize = 2_000
        configuration.pollTimeout = .milliseconds(5)
        configuration.startFromEarliest = false
        configuration.additionalProperties["fetch.wait.max.ms"] = "10"
        let consumer = try KafkaConsumer(configuration: configuration, listener: listener)
        while consumer.assignment.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .seconds(1))
        try await Self.pace(records, rate: rate, through: producer)
        while listener.latency.count < records.count { try await Task.sleep(for: .milliseconds(10)) }
        try await consumer.close()
        return listener.latency
    }

    /// Sends `records` at `rate` per second: every millisecond, the ones due
    /// by then (a timer per record would cost more than the sending).
    private static func pace(_ records: [KafkaProducerRecord], rate: Double, through producer: KafkaProducer) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var next = 0
        while next < records.count {
            let due = min(records.count, Int((clock.now - start).seconds * rate) + 1)
            while next < due {
                try await producer.enqueue(records[next]) { _ in }
                next += 1
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    static var peakResidentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
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
