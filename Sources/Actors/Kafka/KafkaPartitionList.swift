import CRdKafka

/// Conversions between Swift values and librdkafka's
/// `rd_kafka_topic_partition_list_t`.
enum KafkaPartitionList {
    typealias Pointer = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// A new list the caller destroys with `rd_kafka_topic_partition_list_destroy`.
    /// A `nil` offset leaves librdkafka's "invalid" marker: start from the
    /// committed offset, or the reset policy.
    static func make(_ entries: [(KafkaTopicPartition, Int64?)]) -> Pointer {
        let list = rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))!
        for (topicPartition, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, topicPartition.topic, topicPartition.partition)!
            if let offset { element.pointee.offset = offset }
        }
        return list
    }

    static func withList<R>(_ entries: [(KafkaTopicPartition, Int64?)], _ body: (Pointer) throws -> R) rethrows -> R {
        let list = make(entries)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return try body(list)
    }

    static func elements(of list: Pointer) -> UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
        UnsafeMutableBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
    }

    static func topicPartitions(of list: Pointer) -> [KafkaTopicPartition] {
        elements(of: list).map { KafkaTopicPartition(topic: String(cString: $0.topic), partition: $0.partition) }
    }

    /// The first per-partition error librdkafka left in the list, if any.
    static func firstError(in list: Pointer, _ context: String) -> KafkaError? {
        for element in elements(of: list) where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return KafkaError(element.err, "\(context) \(String(cString: element.topic))[\(element.partition)]")
        }
        return nil
    }
}
