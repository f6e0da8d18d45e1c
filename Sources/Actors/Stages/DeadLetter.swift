import Pipeline

/// A record for `biometric-events.dlq`: the original key and bytes,
/// the original headers, and where and why it failed — made to fit Kafka.
/// A dead letter that cannot be produced stops the stage that made it, so it
/// must never be larger than the producer accepts, whatever the input.
struct DeadLetter: Sendable {
    /// `index:reason` pairs listed one by one; past that, a count per reason.
    static let listedRejections = 100
    /// The `error` text is ours, but it may quote a header of the original.
    static let maximumErrorBytes = 1_024
    /// Kafka's framing of a record beyond its key, value and headers.
    static let recordOverhead = 512
    static let headerOverhead = 16

    let original: KafkaConsumerRecord
    let topic: String
    let stage: DeadLetterStage
    let reason: DeadLetterReason
    let error: String
    let rejections: [Rejection]
    let failedAt: Timestamp

    /// How much of the original the record carries.
    enum Form: CaseIterable {
        /// Everything.
        case whole
        /// The original headers left out (the failure's own headers stay).
        case withoutOriginalHeaders
        /// The original value left out too; it is still at
        /// `original-topic`/`original-partition`/`original-offset`.
        case withoutOriginalValue
    }

    /// The fullest form within `limit` bytes; the last form always fits,
    /// since every header of it is bounded.
    func record(within limit: Int) -> (record: KafkaProducerRecord, form: Form) {
        for form in Form.allCases.dropLast() {
            let candidate = record(form)
            if Self.size(of: candidate) <= limit { return (candidate, form) }
        }
        return (record(.withoutOriginalValue), .withoutOriginalValue)
    }

    func record(_ form: Form) -> KafkaProducerRecord {
        var headers = form == .whole ? original.headers : []
        headers += [
            KafkaHeader(name: RecordHeader.originalTopic, value: original.topicPartition.topic),
            KafkaHeader(name: RecordHeader.originalPartition, value: String(original.topicPartition.partition)),
            KafkaHeader(name: RecordHeader.originalOffset, value: String(original.offset)),
            KafkaHeader(name: RecordHeader.stage, value: stage.rawValue),
            KafkaHeader(name: RecordHeader.reason, value: reason.description),
            KafkaHeader(name: RecordHeader.error, value: Self.prefix(of: error, bytes: Self.maximumErrorBytes)),
            KafkaHeader(name: RecordHeader.failedAt, value: failedAt.description),
        ]
        headers += rejectionHeaders
        var value = original.value
        if form == .withoutOriginalValue {
            headers.append(KafkaHeader(name: RecordHeader.originalValueOmitted, value: "\(original.value.count) bytes"))
            value = []
        }
        // A key is an id of at most 256 bytes when valid; an invalid one is cut
        // in the smallest form, which must fit whatever the original holds.
        let key = form == .withoutOriginalValue ? original.key.map { Array($0.prefix(Identifier.maximumBytes)) } : original.key
        return KafkaProducerRecord(topic: topic, key: key, value: value, headers: headers)
    }

    /// `rejected-samples` lists `index:reason` pairs; when there are more than
    /// `listedRejections`, it lists the first of them and `rejected-counts`
    /// gives every reason's count (`out_of_range:99000,invalid_value:1000`).
    private var rejectionHeaders: [KafkaHeader] {
        guard !rejections.isEmpty else { return [] }
        let listed = rejections.prefix(Self.listedRejections).map { Self.prefix(of: $0.description, bytes: 64) }
        var headers = [KafkaHeader(name: RecordHeader.rejectedSamples, value: listed.joined(separator: ","))]
        if rejections.count > Self.listedRejections {
            var counts: [RejectionReason: Int] = [:]
            for rejection in rejections { counts[rejection.reason, default: 0] += 1 }
            let summary = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            headers.append(KafkaHeader(name: RecordHeader.rejectedCounts, value: summary.map { "\($0.key.rawValue):\($0.value)" }.joined(separator: ",")))
        }
        return headers
    }

    /// What librdkafka counts against `message.max.bytes`, with room for framing.
    static func size(of record: KafkaProducerRecord) -> Int {
        let headers = record.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.count + headerOverhead }
        return (record.key?.count ?? 0) + record.value.count + headers + recordOverhead
    }

    /// At most `bytes` of UTF-8, cut at a character boundary.
    private static func prefix(of text: String, bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        let utf8 = Array(text.utf8)
        var end = bytes
        while end > 0, utf8[end] & 0xC0 == 0x80 { end -= 1 }  // a continuation byte: inside a character
        return String(decoding: utf8[..<end], as: UTF8.self) + "…"
    }
}
