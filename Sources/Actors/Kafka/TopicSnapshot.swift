import Foundation
import Logging
import Synchronization

/// Every record of a topic up to the end its brokers report when asked: for
/// operators' tools (dead-letter redrive) and checks, never the pipeline.
/// Reads all partitions directly, without joining a group, and commits
/// nothing.
public enum TopicSnapshot {
    public static func read(
        topic: String, bootstrapServers: String, kafkaProperties: [String: String] = [:], logger: Logger
    ) async throws -> [KafkaConsumerRecord] {
        let admin = try KafkaAdmin(bootstrapServers: bootstrapServers, additionalProperties: kafkaProperties)
        let watermarks = try await admin.watermarks(topic: topic)
        let ends = watermarks.filter { $0.value.high > $0.value.low }.mapValues(\.high)
        guard !ends.isEmpty else { return [] }
        let reader = Reader()
        var configuration = KafkaConsumerConfiguration(
            bootstrapServers: bootstrapServers, groupID: "biometric-bridge-reader-\(UUID().uuidString.prefix(8))", topics: [topic])
        configuration.pinnedPartitions = try PartitionSelection(parsing: "0-\(watermarks.count - 1)")
        configuration.additionalProperties = kafkaProperties
        let consumer = try KafkaConsumer(configuration: configuration, listener: reader)
        let total = ends.keys.reduce(0) { $0 + Int(ends[$1]! - watermarks[$1]!.low) }
        var lastReport = ContinuousClock.now
        while !reader.reached(ends) {
            try await Task.sleep(for: .milliseconds(50))
            if let error = consumer.error { throw error }
            if ContinuousClock.now - lastReport > .seconds(5) {
                logger.info("read \(reader.count) of \(total) records of \(topic)")
                lastReport = .now
            }
        }
        try await consumer.close()
        return reader.records
    }

    private final class Reader: KafkaConsumerListener {
        private let state = Mutex<(records: [KafkaConsumerRecord], next: [KafkaTopicPartition: Int64])>(([], [:]))

        func partitionsAssigned(_ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64] { [:] }
        func partitionsRevoked(_ partitions: [KafkaTopicPartition]) async {}

        func received(_ records: [KafkaConsumerRecord]) async {
            state.withLock { state in
                for record in records {
                    state.records.append(record)
                    state.next[record.topicPartition] = record.offset + 1
                }
            }
        }

        var records: [KafkaConsumerRecord] { state.withLock { $0.records } }
        var count: Int { state.withLock { $0.records.count } }

        func reached(_ ends: [KafkaTopicPartition: Int64]) -> Bool {
            state.withLock { state in ends.allSatisfy { (state.next[$0.key] ?? 0) >= $0.value } }
        }
    }
}
