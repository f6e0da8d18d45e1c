import Foundation
import Logging
import Pipeline

/// `biometric-bridge dlq redrive`: puts dead letters back on the topic they
/// came from, once their cause is gone (a user reconnected, a provider is
/// back). It reads the dead-letter topic from its start to its end as of
/// now, keeps those of the chosen stage (and reason), and appends each one's
/// original key, bytes and headers to its `original-topic` — except an Oura
/// or WHOOP notification an ingress older than the fetcher put on
/// `biometric-events`, which goes to `provider-notifications`, to be fetched.
/// Re-driving twice sends twice; the processor's de-duplication and the
/// fetcher's delivery ids make that harmless.
public struct DeadLetterRedrive: Sendable {
    public struct Summary: Sendable, Equatable {
        public var read = 0
        public var matched = 0
        public var redriven: [String: Int] = [:]
        /// Matched but not re-drivable: the original value was left out to
        /// fit Kafka, or no original topic of ours is named.
        public var skipped = 0
    }

    private let bootstrapServers: String
    private let topics: Topics
    private let kafkaProperties: [String: String]
    private let logger: Logger

    public init(bootstrapServers: String, topics: Topics = Topics(), kafkaProperties: [String: String] = [:], logger: Logger) {
        self.bootstrapServers = bootstrapServers
        self.topics = topics
        self.kafkaProperties = kafkaProperties
        self.logger = logger
    }

    public func run(stage: String, reason: String?) async throws -> Summary {
        let letters = try await TopicSnapshot.read(
            topic: topics.deadLetters, bootstrapServers: bootstrapServers, kafkaProperties: kafkaProperties, logger: logger)
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        producerConfiguration.additionalProperties = kafkaProperties
        let producer = try KafkaProducer(configuration: producerConfiguration)
        var summary = Summary(read: letters.count)
        let inputs = [topics.events, topics.notifications]
        for letter in letters where letter.header(RecordHeader.stage)?.stringValue == stage
            && (reason == nil || letter.header(RecordHeader.reason)?.stringValue == reason) {
            summary.matched += 1
            guard let topic = letter.header(RecordHeader.originalTopic)?.stringValue, inputs.contains(topic),
                  letter.header(RecordHeader.originalValueOmitted) == nil else {
                summary.skipped += 1
                continue
            }
            let headers = letter.headers.filter { !Self.deadLetterHeaders.contains($0.name) }
            let destination = topic == topics.events && Self.isNotification(letter) ? topics.notifications : topic
            _ = try await producer.send(KafkaProducerRecord(topic: destination, key: letter.key, value: letter.value, headers: headers))
            summary.redriven[destination, default: 0] += 1
        }
        await producer.close()
        return summary
    }

    private static func isNotification(_ letter: KafkaConsumerRecord) -> Bool {
        guard let provider = letter.header(RecordHeader.provider).flatMap({ Provider(rawValue: $0.stringValue) }),
              let body = try? JSONParser.parse(letter.value) else { return false }
        return ProviderRecordNormalizer.isNotification(body, provider: provider)
    }

    /// What the dead-letter stage added; the rest is the original's.
    static let deadLetterHeaders: Set<String> = [
        RecordHeader.stage, RecordHeader.reason, RecordHeader.error, RecordHeader.failedAt, RecordHeader.originalTopic,
        RecordHeader.originalPartition, RecordHeader.originalOffset, RecordHeader.originalValueOmitted,
        RecordHeader.rejectedSamples, RecordHeader.rejectedCounts,
    ]
}
