import Actors
import Foundation
import Logging
import Testing
import Workbench

/// A dead letter Kafka refuses when it is delivered (a broker whose record
/// limit is below the producer's) is sent again without the original value,
/// and one refused even then is logged and counted — never fatal to the
/// stage, whose checkpoint epoch still drains.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct OutputPublisherTests {
    static let messageSizeTooLarge: Int32 = 10

    struct Fixture {
        let cluster: KafkaMockCluster
        let producer: KafkaProducer
        let tracker = OutputTracker()
        let metrics = BridgeMetrics()
        let publisher: OutputPublisher
        let topic = KafkaTestSupport.uniqueName("dlq")

        init() throws {
            cluster = try KafkaMockCluster(brokers: 1)
            try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 1))
            producer = try KafkaTestSupport.producer(cluster.bootstrapServers)
            var topics = Topics()
            topics.deadLetters = topic
            publisher = OutputPublisher(
                producer: producer, tracker: tracker, topics: topics, maxRecordBytes: 1_000_000,
                metrics: metrics, logger: Logger(label: "auren.tests.output"))
        }

        func deadLetterOneRecord() async throws {
            let original = KafkaConsumerRecord(
                topicPartition: KafkaTopicPartition(topic: "biometric-events", partition: 3), offset: 41, key: Array("user-1".utf8),
                value: Array(#"{"user_id":"user-1","samples":[]}"#.utf8), headers: [KafkaHeader(name: "provider", value: "apple_health")],
                timestampMilliseconds: nil)
            try await publisher.deadLetter(original, stage: .normalise, reason: .rejected(.malformedBody), error: "test", epoch: 1)
            // Throws if any output of the epoch failed: the checkpoint would not be written.
            try await tracker.drained(through: 1)
        }

        /// Records in the dead-letter topic, from its high watermark.
        func letterCount() async throws -> Int64 {
            try await KafkaAdmin(bootstrapServers: cluster.bootstrapServers).recordCount(topic: topic)
        }
    }

    @Test func aDeadLetterTheBrokerRefusesIsSentAgainWithoutTheOriginalValue() async throws {
        let fixture = try Fixture()
        fixture.cluster.failNextRequests(.produce, withErrors: [Self.messageSizeTooLarge])
        try await fixture.deadLetterOneRecord()
        #expect(try await fixture.letterCount() == 1)
        let letters = try await ProcessorChecks.records(of: fixture.topic, bootstrapServers: fixture.cluster.bootstrapServers)
        await fixture.producer.close()
        #expect(letters.count == 1)
        #expect(letters.first?.value.isEmpty == true)
        #expect(letters.first?.header("original-value-omitted")?.stringValue == "33 bytes")
        #expect(letters.first?.header("original-offset")?.stringValue == "41")
        #expect(letters.first?.header("reason")?.stringValue == "malformed_body")
        let metrics = fixture.metrics.text()
        #expect(metrics.contains("auren_dlq_messages_shortened_total 1"), "\(metrics)")
        #expect(metrics.contains(#"auren_dlq_messages_total{stage="normalise",reason="malformed_body"} 1"#), "\(metrics)")
    }

    @Test func aDeadLetterRefusedInItsSmallestFormIsCountedAndTheEpochStillDrains() async throws {
        let fixture = try Fixture()
        fixture.cluster.failNextRequests(.produce, withErrors: [Self.messageSizeTooLarge, Self.messageSizeTooLarge])
        try await fixture.deadLetterOneRecord()
        #expect(try await fixture.letterCount() == 0)
        await fixture.producer.close()
        let metrics = fixture.metrics.text()
        #expect(metrics.contains("auren_dlq_messages_undeliverable_total 1"), "\(metrics)")
    }
}
