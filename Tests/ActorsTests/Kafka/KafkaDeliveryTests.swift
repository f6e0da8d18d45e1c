import Actors
import Foundation
import Testing
import Workbench

/// Producer and consumer over the Kafka protocol against librdkafka's mock
/// cluster: no record lost, none duplicated, order and headers kept.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct KafkaDeliveryTests {
    /// 50,000 keyed records through 8 partitions, mock cluster in another process.
    @Test func fiftyThousandRecordsKeepOrderAndHeaders() async throws {
        let topic = KafkaTestSupport.uniqueName("events")
        let cluster = try MockClusterProcess(brokers: 3, topics: ["\(topic):8"])
        defer { #expect(cluster.stop() == 0, "kafka-mock exits 0 on SIGTERM") }
        let producer = try KafkaTestSupport.producer(cluster.bootstrapServers)
        let total = 50_000
        let keys = 1_000
        let reports = try await KafkaTestSupport.produceKeyed(producer, topic: topic, count: total, keys: keys)
        await producer.close()
        #expect(Set(reports.map(\.topicPartition.partition)).count == 8, "keys spread over all 8 partitions")

        let listener = RecordingListener(member: "only")
        var configuration = KafkaTestSupport.consumerConfiguration(cluster.bootstrapServers, group: KafkaTestSupport.uniqueName("g"), topics: [topic])
        configuration.maxBatchSize = 2_000
        let consumer = try KafkaConsumer(configuration: configuration, listener: listener)
        try await KafkaTestSupport.readToEnd(listener, topic: topic, bootstrapServers: cluster.bootstrapServers, timeout: .seconds(90))
        try await consumer.close()

        let records = listener.records
        #expect(records.count == total)
        var nextSequence: [String: Int] = [:]
        var partitionOfKey: [String: Int32] = [:]
        var seen = Set<String>()
        for record in records {
            let key = String(decoding: record.key ?? [], as: UTF8.self)
            let value = String(decoding: record.value, as: UTF8.self)
            let sequence = Int(record.header("sequence")?.stringValue ?? "") ?? -1
            #expect(value == "\(key):\(sequence)", "value and header agree")
            #expect(record.header("provider")?.stringValue == "oura")
            #expect(seen.insert(value).inserted, "\(value) delivered once")
            #expect(sequence == nextSequence[key, default: 0], "\(key) in order")
            nextSequence[key] = sequence + 1
            if let partition = partitionOfKey[key] { #expect(partition == record.topicPartition.partition) }
            partitionOfKey[key] = record.topicPartition.partition
        }
        #expect(nextSequence.count == keys)
        #expect(nextSequence.values.allSatisfy { $0 == total / keys })
    }

    /// Injected Produce errors: every record delivered exactly once.
    @Test func produceErrorsAreRetriedWithoutDuplicates() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let topic = KafkaTestSupport.uniqueName("retries")
        try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 4))
        // Leadership moved, timeouts, too few replicas: retriable for an
        // idempotent producer, which must neither lose nor repeat a record.
        let notLeader: Int32 = 6, requestTimedOut: Int32 = 7, notEnoughReplicas: Int32 = 19, notEnoughReplicasAfterAppend: Int32 = 20
        cluster.failNextRequests(.produce, withErrors: [notLeader, requestTimedOut, notEnoughReplicas, notEnoughReplicasAfterAppend,
                                                          requestTimedOut, notLeader, notEnoughReplicas, requestTimedOut])
        let producer = try KafkaTestSupport.producer(cluster.bootstrapServers)
        let total = 5_000
        let reports = try await KafkaTestSupport.produceKeyed(producer, topic: topic, count: total, keys: 50)
        await producer.close()
        #expect(reports.count == total)
        #expect(Set(reports.map { "\($0.topicPartition):\($0.offset)" }).count == total, "distinct offsets")

        let listener = RecordingListener(member: "only")
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster.bootstrapServers, group: KafkaTestSupport.uniqueName("g"), topics: [topic]),
            listener: listener)
        try await KafkaTestSupport.readToEnd(listener, topic: topic, bootstrapServers: cluster.bootstrapServers)
        try await consumer.close()
        let values = listener.records.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(values.count == total)
        #expect(Set(values).count == total, "no record twice")
    }

    /// A consumer told to start at stored offsets starts exactly there.
    @Test func startsAtSuppliedOffsets() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueName("offsets")
        try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 3))
        let producer = try KafkaTestSupport.producer(cluster.bootstrapServers)
        var produced: [Int32: Int64] = [:]
        for index in 0..<300 {
            let report = try await producer.send(KafkaProducerRecord(topic: topic, partition: Int32(index % 3), key: nil, value: Array("\(index)".utf8)))
            produced[report.topicPartition.partition] = report.offset + 1
        }
        await producer.close()
        #expect(produced == [0: 100, 1: 100, 2: 100])

        let start: [Int32: Int64] = [0: 37, 1: 0, 2: 100]
        let store = OffsetStore(Dictionary(uniqueKeysWithValues: start.map { (KafkaTopicPartition(topic: topic, partition: $0.key), $0.value) }))
        let listener = RecordingListener(member: "only", offsetStore: store)
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster.bootstrapServers, group: KafkaTestSupport.uniqueName("g"), topics: [topic]),
            listener: listener)
        try await KafkaTestSupport.readToEnd(listener, topic: topic, bootstrapServers: cluster.bootstrapServers)
        try await consumer.close()

        let byPartition = Dictionary(grouping: listener.records, by: \.topicPartition.partition)
        #expect(byPartition[0]?.map(\.offset) == Array(37..<100), "partition 0 from 37: no skip, no re-read")
        #expect(byPartition[1]?.map(\.offset) == Array(0..<100))
        #expect(byPartition[2] == nil, "partition 2 was already done")
    }

    /// A producer prepared for its topics sends to them; one that cannot reach the cluster says so within its timeout.
    @Test func preparedProducer() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueName("prepared")
        try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 2))
        let producer = try KafkaTestSupport.producer(cluster.bootstrapServers)
        try await producer.prepare(toSendTo: [topic], timeout: .seconds(10))
        let report = try await producer.send(KafkaProducerRecord(topic: topic, partition: 1, key: nil, value: Array("first".utf8)))
        #expect(report.topicPartition == KafkaTopicPartition(topic: topic, partition: 1) && report.offset == 0)
        await producer.close()

        let unreachable = try KafkaTestSupport.producer("127.0.0.1:1")
        await #expect(throws: KafkaError.self) { try await unreachable.prepare(toSendTo: [topic], timeout: .milliseconds(500)) }
        await unreachable.close(timeout: .milliseconds(100))
    }
}
