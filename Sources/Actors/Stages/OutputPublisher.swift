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
    public let switchesTopic: String
    public let deadLetterTopic: String
    /// The producer's `message.max.bytes`: a dead letter is made to fit it.
    public let maxRecordBytes: Int
    public let logger: Logger

    public func publish(_ modeSwitch: ModeSwitch, epoch: Int) async throws {
        let record = KafkaProducerRecord(
            topic: switchesTopic, key: modeSwitch.userID, value: Array(modeSwitch.json.utf8),
            headers: [KafkaHeader(name: "content-type", value: "application/json"),
                      KafkaHeader(name: "config-version", value: modeSwitch.configVersion)])
        try await send(record, epoch: epoch)
    }

    /// The original bytes and key, the original headers, and where and why
    /// it failed (SPEC 6), in the fullest form the producer accepts. Returns
    /// whether something of the original had to be left out.
    @discardableResult
    public func deadLetter(
        _ original: KafkaConsumerRecord, stage: String, reason: String, error: String, rejections: [Rejection] = [], epoch: Int
    ) async throws -> Bool {
        let letter = DeadLetter(
            original: original, topic: deadLetterTopic, stage: stage, reason: reason, error: error, rejections: rejections,
            failedAt: .now)
        var (record, form) = letter.record(within: maxRecordBytes)
        do {
            try await send(record, epoch: epoch)
        } catch let error as KafkaError where error.code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue && form != .withoutOriginalValue {
            // Larger than librdkafka counted it: the smallest form always fits.
            form = .withoutOriginalValue
            record = letter.record(form)
            try await send(record, epoch: epoch)
        }
        guard form != .whole else { return false }
        logger.warning("dead letter shortened to fit \(maxRecordBytes) bytes", metadata: [
            "original": "\(original.topicPartition.topic)/\(original.topicPartition.partition)@\(original.offset)",
            "reason": "\(reason)", "form": "\(form)", "value-bytes": "\(original.value.count)",
        ])
        return true
    }

    private func send(_ record: KafkaProducerRecord, epoch: Int) async throws {
        let tracker = tracker
        tracker.begin(epoch: epoch)
        do {
            try await producer.enqueue(record) { result in
                if case .failure(let error) = result {
                    tracker.complete(epoch: epoch, failure: "\(record.topic): \(error)")
                } else {
                    tracker.complete(epoch: epoch, failure: nil)
                }
            }
        } catch {
            tracker.complete(epoch: epoch, failure: "\(record.topic): \(error)")
            throw error
        }
    }
}
