/// A consumed record, copied out of librdkafka's buffers.
public struct KafkaConsumerRecord: Sendable {
    public let topicPartition: KafkaTopicPartition
    public let offset: Int64
    public let key: [UInt8]?
    public let value: [UInt8]
    public let headers: [KafkaHeader]
    /// Milliseconds since the epoch, as the producer or broker stamped it.
    public let timestampMilliseconds: Int64?

    public init(
        topicPartition: KafkaTopicPartition, offset: Int64, key: [UInt8]?, value: [UInt8],
        headers: [KafkaHeader], timestampMilliseconds: Int64?
    ) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    public func header(_ name: String) -> KafkaHeader? {
        headers.first { $0.name == name }
    }
}
