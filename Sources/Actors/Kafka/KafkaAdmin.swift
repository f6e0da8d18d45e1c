import CRdKafka

/// Cluster administration: reachability, topic metadata and topic creation.
/// Every call is bounded by its timeout and runs off the cooperative pool.
public final class KafkaAdmin: Sendable {
    private let client: KafkaClientHandle
    private let bootstrapServers: String

    public init(bootstrapServers: String, additionalProperties: [String: String] = [:]) throws(KafkaError) {
        self.bootstrapServers = bootstrapServers
        let properties = ["bootstrap.servers": bootstrapServers].merging(additionalProperties) { _, extra in extra }
        client = try KafkaClientHandle(type: RD_KAFKA_PRODUCER, properties: properties)
    }

    /// The partition count of every topic the cluster reports, fetched within
    /// `timeout`. An unreachable cluster is an error that names the servers.
    public func partitionCounts(timeout: Duration = .seconds(10)) async throws -> [String: Int] {
        try await topicShapes(timeout: timeout).mapValues(\.partitions)
    }

    /// What the cluster's metadata tells of a topic.
    public struct TopicShape: Sendable, Equatable {
        public let partitions: Int
        /// The fewest replicas any of its partitions has.
        public let replicationFactor: Int

        public init(partitions: Int, replicationFactor: Int) {
            self.partitions = partitions
            self.replicationFactor = replicationFactor
        }
    }

    /// Every topic the cluster reports, with its partitions and replication.
    public func topicShapes(timeout: Duration = .seconds(10)) async throws -> [String: TopicShape] {
        let client = client
        let servers = bootstrapServers
        return try await ThreadBridge.offload {
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(client.pointer, 1, nil, &metadata, timeout.timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                throw KafkaError(err, "Kafka at \(servers) did not answer within \(timeout)")
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
            var shapes: [String: TopicShape] = [:]
            for topic in topics where topic.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                let partitions = UnsafeBufferPointer(start: topic.partitions, count: Int(topic.partition_cnt))
                shapes[String(cString: topic.topic)] = TopicShape(
                    partitions: partitions.count, replicationFactor: Int(partitions.map(\.replica_cnt).min() ?? 0))
            }
            return shapes
        }
    }

    /// Creates topics with the Admin API; a topic that already exists is fine.
    /// (librdkafka's mock cluster does not implement CreateTopics: create
    /// topics there with `KafkaMockCluster.createTopic`.)
    public func createTopics(_ topics: [KafkaTopicSpecification], timeout: Duration = .seconds(30)) async throws {
        guard !topics.isEmpty else { return }
        let client = client
        try await ThreadBridge.offload {
            var errorText = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
            for topic in topics {
                guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, topic.replicationFactor, &errorText, errorText.count) else {
                    throw KafkaError(configurationError: errorText, "topic \(topic.name)")
                }
                newTopics.append(newTopic)
                for (key, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "topic \(topic.name) config '\(key)'") }
                }
            }
            let queue = rd_kafka_queue_new(client.pointer)
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(client.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeout.timeoutMilliseconds, &errorText, errorText.count)
            rd_kafka_CreateTopics(client.pointer, &newTopics, newTopics.count, options, queue)
            guard let event = rd_kafka_queue_poll(queue, timeout.timeoutMilliseconds + 1_000) else {
                throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "creating topics")
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(code: err.rawValue, message: "creating topics: \(String(cString: rd_kafka_event_error_string(event)))")
            }
            var count = 0
            let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            for result in UnsafeBufferPointer(start: results, count: count) {
                let err = rd_kafka_topic_result_error(result)
                guard err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else { continue }
                let name = String(cString: rd_kafka_topic_result_name(result))
                throw KafkaError(code: err.rawValue, message: "creating topic \(name): \(String(cString: rd_kafka_topic_result_error_string(result)))")
            }
        }
    }

    /// Records currently held in `topic` (high minus low watermark, summed
    /// over its partitions), asked of the brokers.
    public func recordCount(topic: String, timeout: Duration = .seconds(10)) async throws -> Int64 {
        try await watermarks(topic: topic, timeout: timeout).values.reduce(0) { $0 + $1.high - $1.low }
    }

    /// The first and the next offset of each partition of `topic`, asked of the brokers.
    public func watermarks(topic: String, timeout: Duration = .seconds(10)) async throws -> [KafkaTopicPartition: (low: Int64, high: Int64)] {
        guard let partitions = try await partitionCounts(timeout: timeout)[topic] else {
            throw KafkaError(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, "topic \(topic) does not exist")
        }
        let client = client
        return try await ThreadBridge.offload {
            var watermarks: [KafkaTopicPartition: (low: Int64, high: Int64)] = [:]
            for partition in 0..<Int32(partitions) {
                var low: Int64 = 0
                var high: Int64 = 0
                let err = rd_kafka_query_watermark_offsets(client.pointer, topic, partition, &low, &high, timeout.timeoutMilliseconds)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, "watermarks of \(topic) [\(partition)]") }
                watermarks[KafkaTopicPartition(topic: topic, partition: partition)] = (low, high)
            }
            return watermarks
        }
    }
}
