import Actors
import Foundation
import Testing
import Workbench

/// Unreachable or failing brokers give clear errors within bounded time.
@Suite(.timeLimit(.minutes(2)))
struct KafkaFailureTests {
    private static let nobodyListens = "127.0.0.1:1"

    /// Sending to an unreachable bootstrap server fails within the delivery timeout.
    @Test func unreachableProducerFails() async throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: Self.nobodyListens)
        configuration.deliveryTimeout = .seconds(2)
        let producer = try KafkaProducer(configuration: configuration)
        let started = ContinuousClock.now
        await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerRecord(topic: "nowhere", key: "k", value: [1]))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        await producer.close(timeout: .seconds(1))
    }

    /// Metadata from an unreachable cluster is an error naming the servers.
    @Test func unreachableAdminFails() async throws {
        let admin = try KafkaAdmin(bootstrapServers: Self.nobodyListens)
        let started = ContinuousClock.now
        do {
            _ = try await admin.partitionCounts(timeout: .seconds(2))
            Issue.record("an unreachable cluster answered")
        } catch let error as KafkaError {
            #expect(error.message.contains(Self.nobodyListens))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    /// A broker set down makes sends fail, and setting it up again lets them through.
    @Test func brokerDownAndUp() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueName("down")
        try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 1))
        let admin = try KafkaAdmin(bootstrapServers: cluster.bootstrapServers)
        #expect(try await admin.partitionCounts()[topic] == 1)

        var configuration = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.deliveryTimeout = .seconds(3)
        configuration.additionalProperties["reconnect.backoff.max.ms"] = "200"
        let producer = try KafkaProducer(configuration: configuration)
        try await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: [1]))
        try cluster.setBroker(1, up: false)
        await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: [2]))
        }
        try cluster.setBroker(1, up: true)
        try await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: [3]))
        await producer.close()
    }

    /// An unknown librdkafka setting is refused with its name.
    @Test func badSettingIsRefused() {
        var configuration = KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:9092")
        configuration.additionalProperties["no.such.setting"] = "1"
        do {
            _ = try KafkaProducer(configuration: configuration)
            Issue.record("accepted an unknown setting")
        } catch {
            #expect(error.message.contains("no.such.setting"))
        }
    }

    /// Topic arguments parse as NAME:PARTITIONS.
    @Test func topicArguments() {
        #expect(KafkaTopicSpecification(argument: "events:8") == KafkaTopicSpecification(name: "events", partitions: 8))
        #expect(KafkaTopicSpecification(argument: "events") == KafkaTopicSpecification(name: "events", partitions: 1))
        #expect(KafkaTopicSpecification(argument: "events:0") == nil)
        #expect(KafkaTopicSpecification(argument: ":3") == nil)
        #expect(KafkaTopicSpecification(argument: "a:b") == nil)
    }
}
