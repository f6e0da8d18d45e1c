import Actors
import CRdKafka

/// librdkafka's mock cluster, hosted in this process: the real Kafka protocol
/// on real TCP sockets (127.0.0.1, ephemeral ports), reachable from other
/// processes too. It keeps about 5 MB of records per partition, so long runs
/// must consume while they produce.
public final class KafkaMockCluster: @unchecked Sendable {
    /// Kafka request types, by API key, for fault injection.
    public enum Request: Int16, Sendable {
        case produce = 0, fetch = 1, listOffsets = 2, metadata = 3, offsetCommit = 8, offsetFetch = 9
        case findCoordinator = 10, joinGroup = 11, heartbeat = 12, leaveGroup = 13, syncGroup = 14
        case initProducerID = 22
    }

    private let host: KafkaClientHandle
    private let cluster: OpaquePointer
    public let bootstrapServers: String
    public let brokerCount: Int

    public init(brokers: Int = 3) throws(KafkaError) {
        // The cluster runs on the threads of a client handle of its own.
        host = try KafkaClientHandle(type: RD_KAFKA_PRODUCER, properties: ["log_level": "3"])
        guard let cluster = rd_kafka_mock_cluster_new(host.pointer, Int32(brokers)) else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__FAIL.rawValue, message: "could not start a mock cluster of \(brokers) brokers")
        }
        self.cluster = cluster
        self.brokerCount = brokers
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    public func createTopic(_ topic: KafkaTopicSpecification) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, topic.name, topic.partitions, topic.replicationFactor)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "creating mock topic \(topic.name)") }
    }

    /// The next requests of this type, cluster-wide, fail with these broker
    /// error codes (`rd_kafka_resp_err_t` values), one each, in order.
    public func failNextRequests(_ request: Request, withErrors errors: [Int32]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        codes.withUnsafeBufferPointer {
            rd_kafka_mock_push_request_errors_array(cluster, request.rawValue, $0.count, $0.baseAddress)
        }
    }

    /// Broker ids run from 1 to `brokerCount`.
    public func setBroker(_ id: Int32, up: Bool) throws(KafkaError) {
        let err = up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "setting mock broker \(id) \(up ? "up" : "down")") }
    }
}
