import CRdKafka

/// An error reported by librdkafka, or by our layer around it, with the
/// operation that failed so a log line explains itself.
public struct KafkaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// librdkafka's `rd_kafka_resp_err_t` value (negative codes are local to
    /// the client, positive ones come from a broker).
    public let code: Int32
    public let message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    package init(_ err: rd_kafka_resp_err_t, _ context: String) {
        self.code = err.rawValue
        self.message = "\(context): \(String(cString: rd_kafka_err2str(err)))"
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer, _ context: String) {
        self.code = rd_kafka_error_code(error).rawValue
        self.message = "\(context): \(String(cString: rd_kafka_error_string(error)))"
        rd_kafka_error_destroy(error)
    }

    /// Reads the message librdkafka wrote into an `errstr` buffer.
    init(configurationError buffer: [CChar], _ context: String) {
        self.code = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue
        self.message = "\(context): \(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))"
    }

    public var description: String { message }

    public static let timedOut = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
}
