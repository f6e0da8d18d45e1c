import Foundation
import Pipeline

/// Produces the processor's outputs — mode switches for the agent, dead
/// letters — through the idempotent producer, each counted against its
/// checkpoint epoch until Kafka acknowledges it.
public struct OutputPublisher: Sendable {
    public let producer: KafkaProducer
    public let tracker: OutputTracker
    public let switchesTopic: String
    public let deadLetterTopic: String

    public func publish(_ modeSwitch: ModeSwitch, epoch: Int) async throws {
        let record = KafkaProducerRecord(
            topic: switchesTopic, key: modeSwitch.userID, value: Array(modeSwitch.json.utf8),
            headers: [KafkaHeader(name: "content-type", value: "application/json"),
                      KafkaHeader(name: "config-version", value: modeSwitch.configVersion)])
        try await send(record, epoch: epoch)
    }

    /// The original bytes and key, the original headers, and where and why it failed (SPEC 6).
    public func deadLetter(
        _ original: KafkaConsumerRecord, stage: String, reason: String, error: String, rejections: [Rejection] = [], epoch: Int
    ) async throws {
        var headers = original.headers
        headers += [
            KafkaHeader(name: "original-topic", value: original.topicPartition.topic),
            KafkaHeader(name: "original-partition", value: String(original.topicPartition.partition)),
            KafkaHeader(name: "original-offset", value: String(original.offset)),
            KafkaHeader(name: "stage", value: stage),
            KafkaHeader(name: "reason", value: reason),
            KafkaHeader(name: "error", value: error),
            KafkaHeader(name: "failed-at", value: Timestamp.now.description),
        ]
        if !rejections.isEmpty {
            headers.append(KafkaHeader(name: "rejected-samples", value: rejections.map(\.description).joined(separator: ",")))
        }
        try await send(KafkaProducerRecord(topic: deadLetterTopic, key: original.key, value: original.value, headers: headers), epoch: epoch)
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
