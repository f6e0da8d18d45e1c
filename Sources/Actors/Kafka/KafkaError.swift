import CRdKafka

/// An error reported by librdkafka, or by our layer around it, with the
/// operation that failed so a log line explains itself.
public struct KafkaError: RetriableError, CustomStringConvertible, Sendable, Equatable {
    /// librdkafka's `rd_kafka_resp_err_t` value (negative codes are local to
    /// the client, positive ones come from a broker).
    public let code: Int32
    public let message: String
    /// Whether the same call may succeed later: a broker away, a leader or
    /// coordinator moving, a timeout. librdkafka says so for the errors it
    /// returns as objects; for plain codes, `retriableCodes` does.
    public let isRetriable: Bool

    public init(code: Int32, message: String, isRetriable: Bool? = nil) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable ?? Self.retriableCodes.contains(code)
    }

    package init(_ err: rd_kafka_resp_err_t, _ context: String) {
        self.init(code: err.rawValue, message: "\(context): \(String(cString: rd_kafka_err2str(err)))")
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer, _ context: String) {
        self.init(
            code: rd_kafka_error_code(error).rawValue, message: "\(context): \(String(cString: rd_kafka_error_string(error)))",
            isRetriable: rd_kafka_error_is_retriable(error) != 0)
        rd_kafka_error_destroy(error)
    }

    /// Reads the message librdkafka wrote into an `errstr` buffer.
    init(configurationError buffer: [CChar], _ context: String) {
        self.init(
            code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
            message: "\(context): \(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
    }

    public var description: String { message }

    public static let timedOut = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue

    /// Codes that describe a passing state of the cluster or the network.
    static let retriableCodes: Set<Int32> = Set([
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__QUEUE_FULL,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
    ].map(\.rawValue))
}
