import CRdKafka
import Foundation

/// An idempotent Kafka producer. `send` returns once the broker acknowledged
/// the record (`acks=all`); `enqueue` returns once librdkafka holds it and
/// reports the acknowledgement later. Delivery reports are served by a
/// dedicated polling thread, never by the cooperative pool.
public final class KafkaProducer: Sendable {
    public typealias DeliveryHandler = @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void

    private let client: KafkaClientHandle
    private let poller = StopSignal()
    private let deadlines = DeliveryDeadlines()

    public init(configuration: KafkaProducerConfiguration) throws(KafkaError) {
        client = try KafkaClientHandle(type: RD_KAFKA_PRODUCER, properties: configuration.properties) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                if let message { KafkaProducer.reportDelivery(message.pointee) }
            }
        }
        ThreadBridge.startThread(named: "kafka-producer") { [client, poller, deadlines] in
            while !poller.isRequested {
                rd_kafka_poll(client.pointer, 50)
                deadlines.expire()
            }
            poller.markFinished()
        }
    }

    deinit {
        poller.request()
    }

    /// Produces `record` and waits for the broker's acknowledgement.
    @discardableResult
    public func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport {
        let delivery = OneShot<KafkaDeliveryReport>()
        try await enqueue(record) { result in delivery.complete(result.mapError { $0 }) }
        return try await delivery.value
    }

    /// Produces `record` and waits for the broker's acknowledgement at most
    /// `limit` (to within 50 ms); then fails with a timeout. The record may
    /// still be delivered later unless the delivery timeout is as short.
    @discardableResult
    public func send(_ record: KafkaProducerRecord, within limit: Duration) async throws -> KafkaDeliveryReport {
        let delivery = OneShot<KafkaDeliveryReport>()
        deadlines.add(delivery, within: limit)
        try await enqueue(record) { result in delivery.complete(result.mapError { $0 }) }
        return try await delivery.value
    }

    /// Hands `record` to librdkafka, waiting only while its queue is full;
    /// `onDelivery` runs on the polling thread when the broker answered.
    public func enqueue(_ record: KafkaProducerRecord, onDelivery: @escaping DeliveryHandler) async throws {
        let opaque = Unmanaged.passRetained(DeliveryCallback(onDelivery)).toOpaque()
        while true {
            guard let error = produce(record, opaque: opaque) else { return }
            let failure = KafkaError(consuming: error, "producing to \(record.topic)")
            guard failure.code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue, !poller.isRequested else {
                Unmanaged<DeliveryCallback>.fromOpaque(opaque).release()
                throw failure
            }
            // The polling thread drains delivery reports; give it a moment.
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Fetches the metadata of `topics` now, so the first record to each is
    /// sent at once: without it, the first output of a new producer waited
    /// about a second for its topic's metadata, and every checkpoint behind it.
    public func prepare(toSendTo topics: [String], timeout: Duration) async throws {
        let client = client
        try await ThreadBridge.offload {
            for name in topics {
                let topic = rd_kafka_topic_new(client.pointer, name, nil)
                defer { rd_kafka_topic_destroy(topic) }
                var metadata: UnsafePointer<rd_kafka_metadata>?
                let err = rd_kafka_metadata(client.pointer, 0, topic, &metadata, timeout.timeoutMilliseconds)
                if let metadata { rd_kafka_metadata_destroy(metadata) }
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "fetching the metadata of topic \(name)") }
            }
        }
    }

    /// Waits until every outstanding record is acknowledged or failed.
    public func flush(timeout: Duration) async throws {
        let client = client
        let err = try await ThreadBridge.offload { rd_kafka_flush(client.pointer, timeout.timeoutMilliseconds) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(err, "flushing \(rd_kafka_outq_len(client.pointer)) outstanding records")
        }
    }

    /// Flushes, then stops the polling thread. Records still outstanding after
    /// `timeout` fail with an error in their delivery reports.
    public func close(timeout: Duration = .seconds(10)) async {
        try? await flush(timeout: timeout)
        poller.request()
        try? await poller.finished()
    }

    private func produce(_ record: KafkaProducerRecord, opaque: UnsafeMutableRawPointer) -> OpaquePointer? {
        let headers = rd_kafka_headers_new(record.headers.count)!
        for header in record.headers {
            _ = header.value.withUnsafeBytes { value in
                rd_kafka_header_add(headers, header.name, -1, value.baseAddress, value.count)
            }
        }
        let error = record.topic.withCString { topic in
            record.value.withUnsafeBytes { value in
                withOptionalBytes(record.key) { key in
                    var fields: [rd_kafka_vu_t] = []
                    fields.reserveCapacity(7)
                    fields.append(.field(RD_KAFKA_VTYPE_TOPIC) { $0.cstr = topic })
                    if let partition = record.partition {
                        fields.append(.field(RD_KAFKA_VTYPE_PARTITION) { $0.i32 = partition })
                    }
                    if let key {
                        fields.append(.field(RD_KAFKA_VTYPE_KEY) {
                            $0.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                            $0.mem.size = key.count
                        })
                    }
                    fields.append(.field(RD_KAFKA_VTYPE_VALUE) {
                        $0.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                        $0.mem.size = value.count
                    })
                    fields.append(.field(RD_KAFKA_VTYPE_HEADERS) { $0.headers = headers })
                    fields.append(.field(RD_KAFKA_VTYPE_MSGFLAGS) { $0.i = RD_KAFKA_MSG_F_COPY })
                    fields.append(.field(RD_KAFKA_VTYPE_OPAQUE) { $0.ptr = opaque })
                    return rd_kafka_produceva(client.pointer, fields, fields.count)
                }
            }
        }
        // On success the message owns the headers; on failure we still do.
        if error != nil { rd_kafka_headers_destroy(headers) }
        return error
    }

    private static func reportDelivery(_ message: rd_kafka_message_t) {
        guard let opaque = message._private else { return }
        let callback = Unmanaged<DeliveryCallback>.fromOpaque(opaque).takeRetainedValue()
        let topic = String(cString: rd_kafka_topic_name(message.rkt))
        if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let partition = KafkaTopicPartition(topic: topic, partition: message.partition)
            callback.body(.success(KafkaDeliveryReport(topicPartition: partition, offset: message.offset)))
        } else {
            callback.body(.failure(KafkaError(message.err, "delivering to \(topic)")))
        }
    }

    private final class DeliveryCallback: Sendable {
        let body: DeliveryHandler
        init(_ body: @escaping DeliveryHandler) { self.body = body }
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

extension rd_kafka_vu_t {
    fileprivate static func field(_ type: rd_kafka_vtype_t, _ set: (inout __Unnamed_union_u) -> Void) -> rd_kafka_vu_t {
        var field = rd_kafka_vu_t()
        field.vtype = type
        set(&field.u)
        return field
    }
}
