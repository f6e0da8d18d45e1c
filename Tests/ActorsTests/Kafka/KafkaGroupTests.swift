import Actors
import Foundation
import Testing
import Workbench

/// Consumer-group behaviour: partitions split between members, handed over
/// on close with revocation first, lag per partition.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct KafkaGroupTests {
    /// Two members split the partitions; when one closes the other continues from the supplied offsets.
    @Test func membersSplitAndHandOver() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let topic = KafkaTestSupport.uniqueName("split")
        try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 6))
        let producer = try KafkaTestSupport.producer(cluster.bootstrapServers)
        _ = try await KafkaTestSupport.produceKeyed(producer, topic: topic, count: 1_200, keys: 60)

        let log = ConsumerEventLog()
        let store = OffsetStore()
        let group = KafkaTestSupport.uniqueName("g")
        let configuration = KafkaTestSupport.consumerConfiguration(cluster.bootstrapServers, group: group, topics: [topic])
        let first = RecordingListener(member: "first", log: log, offsetStore: store)
        let second = RecordingListener(member: "second", log: log, offsetStore: store)
        let consumerA = try KafkaConsumer(configuration: configuration, listener: first)
        try await eventually("the first member owns all 6 partitions") { consumerA.assignment.count == 6 }
        let consumerB = try KafkaConsumer(configuration: configuration, listener: second)
        try await eventually("both members own partitions") {
            !consumerA.assignment.isEmpty && !consumerB.assignment.isEmpty
                && consumerA.assignment.count + consumerB.assignment.count == 6
        }
        #expect(consumerA.assignment.isDisjoint(with: consumerB.assignment))
        try await eventually("the first 1,200 records consumed") { first.count + second.count >= 1_200 }

        // More records while both are members, then the first one leaves.
        _ = try await KafkaTestSupport.produceKeyed(producer, topic: topic, count: 1_200, keys: 60)
        try await eventually("the next records reached both members") { first.count + second.count >= 2_400 }
        let movedPartitions = consumerA.assignment
        try await consumerA.close()
        try await eventually("the second member owns all 6 partitions") { consumerB.assignment.count == 6 }
        _ = try await KafkaTestSupport.produceKeyed(producer, topic: topic, count: 600, keys: 60)
        await producer.close()
        try await KafkaTestSupport.readToEnd(second, topic: topic, bootstrapServers: cluster.bootstrapServers)
        try await consumerB.close()

        // Each offset of each partition reached exactly one member, once.
        let all = first.records + second.records
        #expect(all.count == 3_000)
        let offsets = Dictionary(grouping: all, by: \.topicPartition).mapValues { $0.map(\.offset).sorted() }
        for (partition, list) in offsets {
            #expect(list == Array(0..<Int64(list.count)), "\(partition) consumed without gaps or repeats")
        }

        // Revocation was reported to the first member before the second got its partitions.
        let events = log.all
        let revoked = events.firstIndex { if case .revoked(member: "first", let list) = $0 { return Set(list) == movedPartitions } else { return false } }
        let handedOver = events.lastIndex { if case .assigned(member: "second", let list) = $0 { return movedPartitions.isSubset(of: list) } else { return false } }
        #expect(revoked != nil && handedOver != nil && revoked! < handedOver!, "revoked \(movedPartitions) before reassigning them: \(events)")
    }

    /// With librdkafka 2.0's `cooperative-sticky` this aborts the process
    /// (a member destroyed before its first assignment, librdkafka #4312).
    ///
    /// Members closed while the group is still forming leave it cleanly.
    @Test func closedWhileJoining() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueName("joining")
        try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 4))
        let configuration = KafkaTestSupport.consumerConfiguration(cluster.bootstrapServers, group: KafkaTestSupport.uniqueName("g"), topics: [topic])
        for round in 0..<7 {
            let members = try (0..<5).map { try KafkaConsumer(configuration: configuration, listener: RecordingListener(member: "m\(round)-\($0)")) }
            try await Task.sleep(for: .milliseconds(450 + 50 * round))
            try await withThrowingDiscardingTaskGroup { group in
                for member in members { group.addTask { try await member.close() } }
            }
        }
    }

    /// The processor commits after every checkpoint, the final one included,
    /// which used to run while closing terminated the group: librdkafka 2.0
    /// then aborted the process (`rd_kafka_cgrp_terminated: assert:
    /// !rd_kafka_assignment_in_progress`).
    ///
    /// Commits racing a close neither crash nor hang it.
    @Test func commitsRacingClose() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueName("closing")
        try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 4))
        let offsets = Dictionary(uniqueKeysWithValues: (0..<4).map { (KafkaTopicPartition(topic: topic, partition: $0), Int64(0)) })
        for round in 0..<10 {
            // A group of its own each round: no wait for the last member to leave.
            let configuration = KafkaTestSupport.consumerConfiguration(cluster.bootstrapServers, group: KafkaTestSupport.uniqueName("g"), topics: [topic])
            let consumer = try KafkaConsumer(configuration: configuration, listener: RecordingListener(member: "m\(round)"))
            try await eventually("member \(round) assigned") { !consumer.assignment.isEmpty }
            let committer = Task {
                while !Task.isCancelled { try? await consumer.commit(offsets) }
            }
            try await Task.sleep(for: .milliseconds(20 * round))
            try await consumer.close()
            committer.cancel()
            await committer.value
        }
    }

    /// Lag per partition is the high watermark minus the delivered position.
    @Test func lagPerPartition() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueName("lag")
        try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 4))
        let producer = try KafkaTestSupport.producer(cluster.bootstrapServers)
        let counts: [Int32: Int] = [0: 400, 1: 250, 2: 0, 3: 120]
        for (partition, count) in counts {
            for index in 0..<count {
                try await producer.enqueue(KafkaProducerRecord(topic: topic, partition: partition, key: nil, value: Array("\(index)".utf8))) { _ in }
            }
        }
        try await producer.flush(timeout: .seconds(30))
        await producer.close()

        // The processor always knows where a partition starts (PostgreSQL, or 0).
        let start = OffsetStore(Dictionary(uniqueKeysWithValues: counts.keys.map { (KafkaTopicPartition(topic: topic, partition: $0), Int64(0)) }))
        let listener = RecordingListener(member: "only", offsetStore: start)
        listener.holdRecords()
        var configuration = KafkaTestSupport.consumerConfiguration(cluster.bootstrapServers, group: KafkaTestSupport.uniqueName("g"), topics: [topic])
        configuration.maxBatchSize = 50
        let consumer = try KafkaConsumer(configuration: configuration, listener: listener)
        try await eventually("a first batch arrived") { listener.count > 0 }

        // The listener holds the polling thread; librdkafka keeps fetching, so
        // its watermarks are fresh while the delivered position stands still.
        func expectedLag() -> [KafkaTopicPartition: Int64] {
            let delivered = Dictionary(grouping: listener.records, by: \.topicPartition).mapValues { Int64($0.count) }
            var lag: [KafkaTopicPartition: Int64] = [:]
            for (partition, count) in counts {
                let key = KafkaTopicPartition(topic: topic, partition: partition)
                lag[key] = Int64(count) - delivered[key, default: 0]
            }
            return lag
        }
        try await eventually("lag reported for every partition") { consumer.lag().count == 4 }
        #expect(consumer.lag() == expectedLag())
        #expect(consumer.lag().values.reduce(0, +) == 770 - Int64(listener.count))

        listener.releaseRecords()
        try await eventually("everything consumed") { listener.count == 770 }
        try await eventually("lag drops to zero") { consumer.lag().values.allSatisfy { $0 == 0 } && consumer.lag().count == 4 }
        try await consumer.close()
    }

    /// Pause holds a partition back, resume lets it through, seek re-reads from an offset.
    @Test func pauseResumeAndSeek() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topic = KafkaTestSupport.uniqueName("pause")
        try cluster.createTopic(KafkaTopicSpecification(name: topic, partitions: 2))
        let first = KafkaTopicPartition(topic: topic, partition: 0)
        let second = KafkaTopicPartition(topic: topic, partition: 1)
        let listener = RecordingListener(member: "only", offsetStore: OffsetStore([first: 0, second: 0]))
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(cluster.bootstrapServers, group: KafkaTestSupport.uniqueName("g"), topics: [topic]),
            listener: listener)
        try await eventually("both partitions assigned") { consumer.assignment.count == 2 }
        try await consumer.pause([second])

        // The paused partition's records are in the broker before the running
        // one's, and a last record follows in a fetch of its own: had the
        // paused partition been fetched, its records would have come first.
        let producer = try KafkaTestSupport.producer(cluster.bootstrapServers)
        func send(_ count: Int, to partition: Int32) async throws {
            for index in 0..<count {
                try await producer.send(KafkaProducerRecord(topic: topic, partition: partition, key: nil, value: Array("\(index)".utf8)))
            }
        }
        try await send(5, to: 1)
        try await send(5, to: 0)
        try await eventually("the running partition delivered") { listener.count == 5 }
        try await send(1, to: 0)
        try await eventually("a later fetch delivered") { listener.count >= 6 }
        await producer.close()
        #expect(listener.records.allSatisfy { $0.topicPartition == first }, "nothing from the paused partition")

        try await consumer.resume([second])
        try await eventually("the resumed partition delivered") { listener.count == 11 }

        try await consumer.seek([first: 2])
        try await eventually("partition 0 read again from offset 2") { listener.count == 15 }
        let again = listener.records.suffix(4)
        #expect(again.map(\.offset) == [2, 3, 4, 5] && again.allSatisfy { $0.topicPartition == first })
        try await consumer.close()
    }
}
