import CRdKafka
import Foundation
import Logging
import Pipeline

/// Produces the processor's outputs — mode switches for the agent, dead
/// letters — through the idempotent producer, each counted against its
/// checkpoint epoch until Kafka acknowledges it.
public struct OutputPublisher: Sendable {
    public let producer: KafkaProducer
    public let tracker: OutputTracker
    public let topics: Topics
    /// The producer's `message.max.bytes`: a dead letter is made to fit it.
    public let maxRecordBytes: Int
    /// Counts dead letters, shortened and undeliverable ones (off in benchmarks).
    public let metrics: BridgeMetrics?
    public let logger: Logger

    public init(
        producer: KafkaProducer, tracker: OutputTracker, topics: Topics, maxRecordBytes: Int,
        metrics: BridgeMetrics?, logger: Logger
    ) {
        self.producer = producer
        self.tracker = tracker
        self.topics = topics
        self.maxRecordBytes = maxRecordBytes
        self.metrics = metrics
        self.logger = logger
    }

    public func publish(_ modeSwitch: ModeSwitch, epoch: Int) async throws {
        let record = KafkaProducerRecord(
            topic: topics.switches, key: modeSwitch.userID, value: Array(modeSwitch.json.utf8),
            headers: [KafkaHeader(name: RecordHeader.contentType, value: "application/json"),
                      KafkaHeader(name: RecordHeader.configVersion, value: modeSwitch.configVersion),
                      KafkaHeader(name: RecordHeader.schemaVersion, value: String(ModeSwitch.schemaVersion))])
        try await send(record, epoch: epoch)
    }

    /// The original bytes and key, the original headers, and where and why
    /// it failed, in the fullest form the producer accepts. A form
    /// Kafka refuses for good — too large for the broker, or a record it
    /// will not take — is sent again in the smallest form; if that is refused
    /// too, the loss is logged with the original's coordinates (for a
    /// re-drive from the source topic) and counted. Never fatal: one record
    /// must not stop the stage.
    public func deadLetter(
        _ original: KafkaConsumerRecord, stage: DeadLetterStage, reason: DeadLetterReason, error: String, rejections: [Rejection] = [], epoch: Int
    ) async throws {
        let letter = DeadLetter(
            original: original, topic: topics.deadLetters, stage: stage, reason: reason, error: error, rejections: rejections,
            failedAt: .now)
        let (record, form) = letter.record(within: maxRecordBytes)
        metrics?.deadLettered(stage: stage, reason: reason)
        if form != .whole { shortened(original, reason: reason, form: form) }
        guard form != .withoutOriginalValue else { return try await sendSmallest(letter, epoch: epoch) }
        try await send(record, epoch: epoch) { refusal in
            self.logger.warning("dead letter refused by Kafka (\(refusal)); sending it without the original value")
            self.shortened(original, reason: reason, form: .withoutOriginalValue)
            try await self.sendSmallest(letter, epoch: epoch)
        }
    }

    private func sendSmallest(_ letter: DeadLetter, epoch: Int) async throws {
        try await send(letter.record(.withoutOriginalValue), epoch: epoch) { refusal in self.undeliverable(letter, refusal) }
    }

    private func shortened(_ original: KafkaConsumerRecord, reason: DeadLetterReason, form: DeadLetter.Form) {
        metrics?.deadLetterShortened()
        logger.warning("dead letter shortened", metadata: [
            "original": "\(original.topicPartition.topic)/\(original.topicPartition.partition)@\(original.offset)",
            "reason": "\(reason)", "form": "\(form)", "value-bytes": "\(original.value.count)", "limit-bytes": "\(maxRecordBytes)",
        ])
    }

    private func undeliverable(_ letter: DeadLetter, _ refusal: KafkaError) {
        metrics?.deadLetterUndeliverable()
        let original = letter.original
        logger.error("dead letter refused by Kafka in its smallest form, not stored: \(refusal)", metadata: [
            "original": "\(original.topicPartition.topic)/\(original.topicPartition.partition)@\(original.offset)",
            "stage": "\(letter.stage)", "reason": "\(letter.reason)",
        ])
    }

    /// Errors that refuse this record, not the connection: sending it again
    /// as it is would fail the same way.
    static func refusesForGood(_ error: KafkaError) -> Bool {
        [RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
         RD_KAFKA_RESP_ERR_INVALID_RECORD, RD_KAFKA_RESP_ERR_INVALID_MSG, RD_KAFKA_RESP_ERR_POLICY_VIOLATION]
            .contains { $0.rawValue == error.code }
    }

    /// Enqueues `record`, counted against `epoch` until Kafka answers. A
    /// record Kafka refuses for good — when it is enqueued or delivered —
    /// goes to `ifRefused`, whose work counts against the same epoch; without
    /// one, or on any other failure, the epoch fails, so its checkpoint is
    /// not written.
    private func send(
        _ record: KafkaProducerRecord, epoch: Int, ifRefused: (@Sendable (KafkaError) async throws -> Void)? = nil
    ) async throws {
        let tracker = tracker
        let logger = logger
        tracker.begin(epoch: epoch)
        do {
            try await producer.enqueue(record) { result in
                switch result {
                case .success:
                    tracker.complete(epoch: epoch, failure: nil)
                case .failure(let error):
                    guard Self.refusesForGood(error), let ifRefused else {
                        tracker.complete(epoch: epoch, failure: "\(record.topic): \(error)")
                        return
                    }
                    // Delivery reports come on librdkafka's thread: the
                    // replacement is sent from a task, and this record counts
                    // until it is, so the epoch never looks drained in between.
                    Task {
                        do {
                            try await ifRefused(error)
                            tracker.complete(epoch: epoch, failure: nil)
                        } catch {
                            logger.error("replacing a refused \(record.topic) record failed: \(error)")
                            tracker.complete(epoch: epoch, failure: "\(record.topic): \(error)")
                        }
                    }
                }
            }
        } catch let error as KafkaError where Self.refusesForGood(error) && ifRefused != nil {
            // Larger than librdkafka counted it beforehand.
            tracker.complete(epoch: epoch, failure: nil)
            try await ifRefused?(error)
        } catch {
            tracker.complete(epoch: epoch, failure: "\(record.topic): \(error)")
            throw error
        }
    }
}
