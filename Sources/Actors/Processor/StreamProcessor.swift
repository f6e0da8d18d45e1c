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
/// last checkpoint before the process exits.
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

    private struct StageFailure: Error, CustomStringConvertible {
        let description: String
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
        let consumerBox = Mutex<KafkaConsumer?>(nil)
        let failure = FirstFailure()
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
        let ingest = IngestStage(
            shards: shards.map(\.inbox), store: store, owner: settings.memberName, signals: signals, progress: progress, logger: logger,
            statistics: statistics,
            seek: { offsets in await failure.guarding("moving the consumer back to the last checkpoint") { try await consumerBox.withLock({ $0 })?.seek(offsets) } }
        ) {
            let checkpoint = thresholds.configuration.checkpoint
            return .init(interval: .seconds(checkpoint.intervalSeconds), maxDirtyUsers: Int(checkpoint.maxDirtyUsers), window: window)
        }

        let writer = Task { await failure.guarding("checkpoint writer") { try await coordinator.runWriter() } }
        let shardTasks = shards.map { shard in Task { await failure.guarding("decide shard \(shard.index)") { try await shard.run() } } }
        let sealerTasks = shards.map { shard in Task { await failure.guarding("sealer of shard \(shard.index)") { try await shard.runSealer() } } }
        let ingestTask = Task { await ingest.run() }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                await ingest.inbox.send(.tick)
            }
        }
        let watcherTask = Task { await watcher?.run() }
        let reporter = Task {
            var previous = statistics.snapshot
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.progressInterval)
                let now = statistics.snapshot
                guard now != previous else { continue }
                logger.info("progress: \(Self.describe(now)), \(now.consumed - previous.consumed) in the last \(settings.progressInterval)")
                previous = now
            }
        }

        let consumer = try KafkaConsumer(configuration: settings.consumerConfiguration, listener: ingest)
        consumerBox.withLock { $0 = consumer }
        statistics.readGauges {
            ProcessorStatistics.Gauges(
                queueDepths: [
                    "ingest": ingest.inbox.count,
                    "decide": shards.reduce(0) { $0 + $1.inbox.count },
                    "seal": shards.reduce(0) { $0 + $1.snapshotsWaiting },
                    "checkpoint": coordinator.writesWaiting,
                ],
                consumerLag: consumer.lag())
        }
        let consumerStopped = Task { await failure.guarding("Kafka consumer") { try await consumer.waitUntilStopped() } }
        logger.info("processor started: group \(settings.group), \(settings.shards) shards, configuration \(configuration.version)")

        // Run until asked to stop, or until a stage fails.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await gracefulShutdown() }
            group.addTask {
                while failure.error == nil, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(100)) }
            }
            await group.next()
            group.cancelAll()
        }
        if let error = failure.error {
            // No orderly drain after a failure: the next start replays from the
            // last checkpoint, which is what makes the failure harmless.
            logger.critical("processor stopping after a failure: \(error)")
            statistics.readGauges(from: nil)
            ticker.cancel()
            watcherTask.cancel()
            reporter.cancel()
            throw error
        }

        logger.info("stopping: leaving the consumer group and writing a final checkpoint")
        statistics.readGauges(from: nil)
        ticker.cancel()
        watcherTask.cancel()
        reporter.cancel()
        do {
            try await Deadline.run("the final checkpoint", within: settings.shutdownTimeout) {
                try await consumer.close()
                consumerStopped.cancel()
                ingest.inbox.finish()
                await ingestTask.value
                shards.forEach { $0.inbox.finish() }
                for task in shardTasks { await task.value }
                shards.forEach { $0.finishSealer() }
                for task in sealerTasks { await task.value }
                coordinator.finish()
                await writer.value
                await producer.close()
            }
        } catch {
            // Nothing past the last checkpoint was committed: the next owner replays it.
            logger.critical("stopping without a final checkpoint: \(error)")
            writer.cancel()
            throw error
        }
        if let error = failure.error { throw error }
        logger.info("stopped cleanly: \(Self.describe(statistics.snapshot))")
    }

    private static func describe(_ totals: ProcessorStatistics.Snapshot) -> String {
        "\(totals.consumed) consumed, \(totals.processed) processed, \(totals.deadLettered) dead-lettered, \(totals.duplicates) duplicates, "
            + "\(totals.modeSwitches) mode switches, \(totals.checkpoints) checkpoints, \(totals.activeUsers) users in memory (\(totals.evictedUsers) evicted)"
    }
}
