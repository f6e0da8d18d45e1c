import CRdKafka
import Logging

/// Owns an `rd_kafka_t` and destroys it when the last reference goes, so a
/// polling thread that still holds it keeps it alive.
package final class KafkaClientHandle: @unchecked Sendable {
    package let pointer: OpaquePointer

    package init(type: rd_kafka_type_t, properties: [String: String], configure: (OpaquePointer) -> Void = { _ in }) throws(KafkaError) {
        let conf = try KafkaNativeConfiguration.make(properties)
        rd_kafka_conf_set_log_cb(conf) { _, level, facility, text in
            KafkaClientHandle.log(level: level, facility: facility, text: text)
        }
        rd_kafka_conf_set_error_cb(conf) { _, code, reason, _ in
            KafkaClientHandle.reportError(code: code, reason: reason)
        }
        configure(conf)
        pointer = try KafkaNativeConfiguration.makeClient(type: type, conf: conf)
    }

    deinit {
        // A consumer's owner has closed it already (`rd_kafka_consumer_close`
        // on its polling thread); closing again here, possibly on the
        // cooperative pool, blocked a failing processor's exit when that
        // close had timed out.
        rd_kafka_destroy_flags(pointer, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)
    }

    private static let logger = Logger(label: "auren.kafka")

    private static func log(level: Int32, facility: UnsafePointer<CChar>?, text: UnsafePointer<CChar>?) {
        let message = "\(facility.map { String(cString: $0) } ?? "-"): \(text.map { String(cString: $0) } ?? "")"
        // librdkafka uses syslog levels: 0–3 errors, 4 warnings, 5–6 notices, 7 debug.
        switch level {
        case ...3: logger.error("\(message)")
        case 4: logger.warning("\(message)")
        case 5...6: logger.info("\(message)")
        default: logger.debug("\(message)")
        }
    }

    private static func reportError(code: Int32, reason: UnsafePointer<CChar>?) {
        // Transport errors are retried by librdkafka itself; they explain a
        // later timeout, so they are worth a warning, not a failure.
        logger.warning("librdkafka error \(code): \(reason.map { String(cString: $0) } ?? "")")
    }
}
