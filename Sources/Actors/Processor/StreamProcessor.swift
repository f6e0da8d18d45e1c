import Logging
import Pipeline
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The streaming processor: consumes `biometric-events` and runs
/// every record through ingest → normalise → validate → decide → checkpoint,
/// with dead letters for failures. States and offsets are written in one
/// transaction, so after a crash it resumes exactly where the last checkpoint
/// left off and decides as an uninterrupted run would.
///
/// On graceful shutdown (SIGTERM) it leaves the consumer group, which
/// revokes its partitions: a final barrier drains every stage and writes a
/// last checkpoint before the process exits. Every task it starts is a child
/// of one task group: the first failure ends the run.
public final class StreamProcessor: Service, Sendable {
    private let settings: ProcessorSettings
    private let client: PostgresClient
    private let configuration: ConfigurationStore
    private let watcher: ConfigurationWatcher?
    private let cipher: StateCipher
    private let logger: Logger
    public let statistics: ProcessorStatistics

    public init(
        settings: ProcessorSettings, client: PostgresClient, configuration: ConfigurationStore, watcher: ConfigurationWatcher?,
        cipher: StateCipher, logger: Logger, metrics: BridgeMetrics? = nil
    ) {
        self.statistics = ProcessorStatistics(metrics: metrics)
        self.settings = settings
        self.client = client
        self.configuration = configuration
        self.watcher = watcher
        self.cipher = cipher
        self.logger = logger
    }

    /// How a task of the run ended, when it ended without an error.
    private enum Ending {
        /// The checkpoint writer wrote the last cut of a drain: the run is over.
        case drained
        case finished
    }

    /// An error of one task, naming it.
    struct StageError: Error, CustomStringConvertible {
        let stage: String
        let underlying: any Error
        var description: String { "\(stage): \(underlying)" }
    }

    public func run() async throws {
        let settings = settings
        let statistics = statistics
        let logger = logger
        let store = CheckpointStore(client: client, group: settings.group, logger: logger)
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: settings.bootstrapServers)
        producerConfiguration.additionalProperties = settings.kafkaProperties
        let producer = try KafkaProducer(configuration: producerConfiguration)
        try await producer.prepare(toSendTo: [settings.topics.switches, settings.topics.deadLetters], timeout: .seconds(30))
        let tracker = OutputTracker()
        let progress = CheckpointProgress()
        let signals = CheckpointSignals()
        let outputs = OutputPublisher(
            producer: producer, tracker: tracker, topics: settings.topics,
            maxRecordBytes: producerConfiguration.maxMessageBytes, metrics: statistics.metrics, logger: logger)
        // The consumer is made after the ingest stage, its listener; the
        // coordinator reaches it through this box.
        let consumerBox = Mutex<KafkaConsumer?>(nil)
        let coordinator = CheckpointCoordinator(
            shardCount: settings.shards, store: store, tracker: tracker, progress: progress, signals: signals, statistics: statistics, logger: logger
        ) { offsets in
            // Kafka's committed offsets only make lag visible to outside tools.
            guard let consumer = consumerBox.withLock({ $0 }) else { return }
            do { try await consumer.commit(offsets) } catch { logger.debug("committing offsets to Kafka for visibility: \(error)") }
        }
        let shards = (0..<settings.shards).map {
            DecideShard(
                index: $0, capacity: settings.shardCapacity, residentBudget: max(1, settings.maxResidentUsers / settings.shards),
                configuration: configuration, store: store, cipher: cipher, outputs: outputs,
                coordinator: coordinator, signals: signals, progress: progress, statistics: statistics, logger: logger)
        }
        let thresholds = configuration
        let window = settings.checkpointWindow
        // Moves back to a checkpoint, asked for by the ingest stage and made
        // by a task of their own: the polling thread may be waiting for that stage.
        let seeks = BoundedChannel<[KafkaTopicPartition: Int64]>(capacity: 1_024)
        let ingest = IngestStage(
            shards: shards.map(\.inbox), store: store, owner: settings.memberName, signals: signals, progress: progress, logger: logger,
            statistics: statistics, seek: { await seeks.send($0) }
        ) {
            let checkpoint = thresholds.configuration.checkpoint
            return .init(interval: .seconds(checkpoint.intervalSeconds), maxDirtyUsers: Int(checkpoint.maxDirtyUsers), window: window)
        }
        let consumer = try KafkaConsumer(configuration: settings.consumerConfiguration, listener: ingest)
        consumerBox.withLock { $0 = consumer }
        statistics.readGauges {
            ProcessorStatistics.Gauges(
                queueDepths: [
                    "ingest": ingest.inbox.count,
                    "decide": shards.reduce(0) { $0 + $1.inbox.count },
                    "seal": shards.reduce(0) { $0 + $1.sealer.waiting },
                    "checkpoint": coordinator.writesWaiting,
                ],
                consumerLag: consumer.lag())
        }
        defer { statistics.readGauges(from: nil) }
        let membership = settings.pinnedPartitions.map { "pinned to partitions \($0) of \(settings.topics.events)" }
            ?? settings.instanceID.map { "static member \($0)" } ?? "dynamic member"
        logger.info("processor started: group \(settings.group), \(membership), \(settings.shards) shards, configuration \(configuration.version)")

        // Every task of the run in one group. A drain runs down the chain —
        // consumer closed, ingest, shards, sealers, writer — and ends with
        // the writer; the first error ends the run, and cancelling the group
        // ends every wait (the next start replays from the last checkpoint,
        // which is what makes a failure harmless).
        do {
            try await withThrowingTaskGroup(of: Ending.self) { group in
                group.addTask {
                    try await Self.named("checkpoint writer") { try await coordinator.runWriter() }
                    return .drained
                }
                for shard in shards {
                    group.addTask {
                        defer { shard.sealer.finish() }
                        try await Self.named("decide shard \(shard.index)") { try await shard.run() }
                        return .finished
                    }
                    group.addTask {
                        defer { coordinator.sealerEnded() }
                        try await Self.named("sealer of shard \(shard.index)") { try await shard.sealer.run() }
                        return .finished
                    }
                }
                group.addTask {
                    await ingest.run()
                    // Nothing reaches the stage any more: a revocation now is not waited for.
                    ingest.inbox.finish()
                    shards.forEach { $0.inbox.finish() }
                    return .finished
                }
                group.addTask {
                    try await Self.named("Kafka consumer") { try await consumer.waitUntilStopped() }
                    return .finished
                }
                group.addTask {
                    while let offsets = await seeks.next() {
                        try await Self.named("moving the consumer back to the last checkpoint") { try await consumer.seek(offsets) }
                    }
                    return .finished
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(200))
                        guard await ingest.inbox.send(.tick) else { break }
                    }
                    return .finished
                }
                if let watcher {
                    group.addTask {
                        await watcher.run()
                        return .finished
                    }
                }
                group.addTask {
                    await Self.reportProgress(statistics, every: settings.progressInterval, logger: logger)
                    return .finished
                }
                group.addTask {
                    try await Self.drainOnShutdown(
                        consumer: consumer, ingest: ingest, statistics: statistics, within: settings.shutdownTimeout, logger: logger)
                    return .finished
                }
                while let ending = try await group.next() {
                    if case .drained = ending { break }
                }
                group.cancelAll()
            }
        } catch {
            logger.critical("processor stopping after a failure: \(error)")
            throw error
        }
        await producer.close()
        logger.info("stopped cleanly: \(Self.describe(statistics.snapshot))")
    }

    private static func named(_ stage: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw StageError(stage: stage, underlying: error)
        }
    }

    /// On SIGTERM: leaves the group, whose revocation writes the final
    /// checkpoint, and ends the ingest stage's input, so the chain drains.
    /// Past `limit` the run fails without that checkpoint.
    private static func drainOnShutdown(
        consumer: KafkaConsumer, ingest: IngestStage, statistics: ProcessorStatistics, within limit: Duration, logger: Logger
    ) async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the run ends some other way
        }
        logger.info("stopping: leaving the consumer group and writing a final checkpoint")
        statistics.readGauges(from: nil)
        try await withThrowingTaskGroup(of: Void.self) { stopping in
            stopping.addTask {
                try await consumer.close()
                ingest.inbox.finish()
            }
            // Runs until the drain ends the run, which cancels it.
            stopping.addTask {
                try await Task.sleep(for: limit)
                throw Deadline.Exceeded(description: "the final checkpoint did not complete within \(limit)")
            }
            // `next()`, not `waitForAll()`: the latter rethrows only once every task ended.
            while try await stopping.next() != nil {}
        }
    }

    private static func reportProgress(_ statistics: ProcessorStatistics, every interval: Duration, logger: Logger) async {
        var previous = statistics.snapshot
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let now = statistics.snapshot
            guard now != previous else { continue }
            logger.info("progress: \(describe(now)), \(now.consumed - previous.consumed) in the last \(interval)")
            previous = now
        }
    }

    private static func describe(_ totals: ProcessorStatistics.Snapshot) -> String {
        "\(totals.consumed) consumed, \(totals.processed) processed, \(totals.deadLettered) dead-lettered, \(totals.duplicates) duplicates, "
            + "\(totals.modeSwitches) mode switches, \(totals.checkpoints) checkpoints, \(totals.activeUsers) users in memory (\(totals.evictedUsers) evicted)"
    }
}
