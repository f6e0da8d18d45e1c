/// Where the broker stored a produced record, once it acknowledged it.
public struct KafkaDeliveryReport: Sendable, Hashable {
    public let topicPartition: KafkaTopicPartition
    public let offset: Int64
}
