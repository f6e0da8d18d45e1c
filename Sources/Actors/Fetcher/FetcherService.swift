import Foundation
import Logging
import Pipeline
import PostgresNIO
import ServiceLifecycle

/// The fetcher role: reads `provider-notifications` in its own consumer
/// group, fetches each notified record from the provider's API with the
/// user's token, appends it to `biometric-events` (headers of a fetched
/// record, delivery id `<provider>:<data_type>:<record id>:<notification
/// delivery id>`), and commits a notification's offset only once its records
/// (or its dead letter) are acknowledged. At least once; the processor's
/// de-duplication makes the effect exactly once.
public struct FetcherService: Service {
    private let settings: FetcherSettings
    private let fetcher: RecordFetcher
    private let connections: ConnectionStore
    private let metrics: BridgeMetrics
    private let logger: Logger
    public let statistics = FetcherStatistics()

    public init(settings: FetcherSettings, apis: [ProviderAPI], client: PostgresClient, cipher: StateCipher, metrics: BridgeMetrics, logger: Logger) {
        self.settings = settings
        connections = ConnectionStore(client: client, cipher: cipher, logger: logger)
        let tokens = ConnectionTokens(store: connections, metrics: metrics, logger: logger)
        fetcher = RecordFetcher(apis: Dictionary(apis.map { ($0.provider, $0) }) { first, _ in first }, tokens: tokens,
                                notReadyDelays: settings.notReadyDelays)
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: settings.bootstrapServers)
        producerConfiguration.additionalProperties = settings.kafkaProperties
        let producer = try KafkaProducer(configuration: producerConfiguration)
        try await producer.prepare(toSendTo: [settings.topics.events, settings.topics.deadLetters], timeout: .seconds(30))
        let intake = NotificationIntake(capacity: settings.concurrency, logger: logger)
        let consumer = try KafkaConsumer(configuration: settings.consumerConfiguration, listener: intake)
        intake.consumer.withLock { $0 = consumer }
        // The intake holds the consumer and the consumer its listener, the intake.
        defer { intake.consumer.withLock { $0 = nil } }
        let maxRecordBytes = producerConfiguration.maxMessageBytes
        let providers = fetcher.apis.values.map { "\($0.provider.rawValue) (limits \($0.settings.budgetDescription))" }.sorted()
        logger.info("fetcher started: group \(settings.group), \(settings.concurrency) fetches at once, \(providers.joined(separator: ", "))")

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.waitUntilStopped() }
            group.addTask {
                // Bounded: a fetch starts only when one of `concurrency` ended.
                await withTaskGroup(of: Void.self) { fetches in
                    var running = 0
                    while let item = await intake.channel.next() {
                        if running >= settings.concurrency {
                            await fetches.next()
                            running -= 1
                        }
                        // Counted busy before it leaves the channel's count, so a drain never sees neither.
                        intake.begin()
                        fetches.addTask { await handle(item, producer: producer, maxRecordBytes: maxRecordBytes, intake: intake) }
                        running += 1
                    }
                    await fetches.waitForAll()
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: settings.commitInterval)
                    await intake.commitFinished()
                }
            }
            group.addTask { await countConnections() }
            if let oura = fetcher.apis[.oura] {
                group.addTask { await renewSubscriptions(OuraSubscriptions(client: oura.client, logger: logger)) }
            }
            group.addTask {
                do { try await gracefulShutdown() } catch { return }
                try await drain(intake: intake, consumer: consumer)
                throw Stopped()
            }
            do {
                while try await group.next() != nil {}
            } catch is Stopped {
                group.cancelAll()
            }
        }
        await producer.close()
        logger.info("fetcher stopped")
    }

    private struct Stopped: Error {}

    /// Room for a fetched record's key and headers within Kafka's record size.
    static let recordHeadroom = 4_096

    /// Lets the fetches in flight finish (within the shutdown timeout),
    /// commits them, then leaves the group.
    private func drain(intake: NotificationIntake, consumer: KafkaConsumer) async throws {
        logger.info("stopping: finishing the fetches in flight, committing, leaving the consumer group")
        intake.channel.finish()
        let deadline = ContinuousClock.now + settings.shutdownTimeout
        while intake.channel.count > 0 || intake.busy > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        await intake.commitFinished()
        try await consumer.close()
    }

    // MARK: One notification

    private func handle(_ item: NotificationIntake.Item, producer: KafkaProducer, maxRecordBytes: Int, intake: NotificationIntake) async {
        defer {
            intake.finished(item)
            intake.end()
        }
        let record = item.record
        let providerName = record.header(RecordHeader.provider)?.stringValue ?? "unknown"
        do {
            guard let provider = Provider(rawValue: providerName), let user = record.key.flatMap(Identifier.validated) else {
                throw FetchFailure.malformedNotification
            }
            let notification = try ProviderNotification.parse(record.value, provider: provider)
            let result = try await Retry.untilSuccess("fetching a \(providerName) record", logger: logger) {
                try await fetcher.perform(notification)
            }
            for fetched in result.records {
                // A record Kafka can never take must not hold the partition's commits for ever.
                guard fetched.body.count <= maxRecordBytes - Self.recordHeadroom else { throw FetchFailure.recordRefused }
                do {
                    try await produce(fetched, of: record, provider: provider, user: user, producer: producer)
                } catch let error as KafkaError where !error.isRetriable {
                    logger.warning("Kafka refused a fetched \(providerName) record: \(error)")
                    throw FetchFailure.recordRefused
                }
            }
            counted(provider: providerName, outcome: result.outcome)
        } catch let failure as FetchFailure {
            await deadLetter(record, failure: failure, producer: producer, maxRecordBytes: maxRecordBytes)
            counted(provider: providerName, outcome: "dead_lettered")
        } catch {
            // Cancelled by a stop: unfinished, so fetched again by the next owner.
            logger.debug("a \(providerName) notification was left unfinished: \(error)")
        }
    }

    private func counted(provider: String, outcome: String) {
        metrics.notificationFetched(provider: provider, outcome: outcome)
        statistics.count(provider: provider, outcome: outcome)
    }

    private func produce(_ fetched: RecordFetcher.Record, of notification: KafkaConsumerRecord, provider: Provider, user: String, producer: KafkaProducer) async throws {
        let notificationID = notification.header(RecordHeader.deliveryID)?.stringValue
            ?? "p\(notification.topicPartition.partition)o\(notification.offset)"
        var deliveryID = "\(provider.rawValue):\(fetched.dataType):\(fetched.id):\(notificationID)"
        if !Identifier.isValid(deliveryID) {
            deliveryID = "\(provider.rawValue):\(fetched.dataType):\(fetched.id):\(SHA256Digest.hex(of: Array(notificationID.utf8)).prefix(32))"
        }
        let receivedAt = notification.header(RecordHeader.receivedAt)?.stringValue ?? Timestamp.now.description
        let record = KafkaProducerRecord(topic: settings.topics.events, key: user, value: fetched.body, headers: [
            KafkaHeader(name: RecordHeader.provider, value: provider.rawValue),
            KafkaHeader(name: RecordHeader.dataType, value: fetched.dataType),
            KafkaHeader(name: RecordHeader.receivedAt, value: receivedAt),
            KafkaHeader(name: RecordHeader.deliveryID, value: deliveryID),
            KafkaHeader(name: RecordHeader.contentType, value: "application/json"),
        ])
        _ = try await Retry.untilSuccess("appending a fetched record", logger: logger) { try await producer.send(record) }
    }

    private func deadLetter(_ record: KafkaConsumerRecord, failure: FetchFailure, producer: KafkaProducer, maxRecordBytes: Int) async {
        let user = record.key.flatMap(Identifier.validated).map(UserHash.of) ?? "?"
        logger.warning("dead-lettering a notification: \(failure.rawValue)", metadata: ["user": "\(user)"])
        let letter = DeadLetter(original: record, topic: settings.topics.deadLetters, stage: .fetch, reason: .fetch(failure),
                                error: Self.explanation(failure), rejections: [], failedAt: .now)
        let (output, _) = letter.record(within: maxRecordBytes)
        do {
            _ = try await Retry.untilSuccess("dead-lettering a notification", logger: logger) { try await producer.send(output) }
            metrics.deadLettered(stage: .fetch, reason: .fetch(failure))
        } catch {
            logger.debug("a dead letter was left unfinished: \(error)")
        }
    }

    private static func explanation(_ failure: FetchFailure) -> String {
        switch failure {
        case .malformedNotification: "not a notification of its provider"
        case .connectionRevoked: "the user's connection is revoked or has no tokens; it is fetched again once re-driven after the user connects"
        case .notReady: "the recovery was still not scored after every retry"
        case .recordNotFound: "the provider has no record with this id"
        case .unauthorized: "the provider refused a freshly refreshed token"
        case .rateLimited: "the provider kept answering 429"
        case .providerUnavailable: "the provider did not answer, or answered 5xx, through every retry"
        case .providerRefused: "the provider's answer could not be used"
        case .providerNotConfigured: "no API settings for this provider (client id unset)"
        case .tokensUnreadable: "the connection's tokens cannot be decrypted with BRIDGE_STATE_KEYS"
        case .recordRefused: "Kafka refused the fetched record (larger than a record may be)"
        }
    }

    /// Oura stops delivering to a subscription at its `expiration_time`.
    private func renewSubscriptions(_ subscriptions: OuraSubscriptions) async {
        while !Task.isCancelled {
            do {
                _ = try await subscriptions.renewExpiring(within: settings.subscriptionRenewalMargin)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("renewing the Oura webhook subscriptions failed (tried again in \(settings.subscriptionCheckInterval)): \(error)")
            }
            try? await Task.sleep(for: settings.subscriptionCheckInterval)
        }
    }

    private func countConnections() async {
        while !Task.isCancelled {
            do {
                metrics.connectionsCounted(try await connections.counts())
            } catch {
                logger.debug("counting connections: \(error)")
            }
            try? await Task.sleep(for: settings.connectionCountInterval)
        }
    }
}
