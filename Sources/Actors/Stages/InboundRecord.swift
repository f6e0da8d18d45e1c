import Pipeline

/// A consumed Kafka record on its way through the stages: where it came from,
/// and its envelope — or why it has none.
public struct InboundRecord: Sendable {
    public let origin: KafkaConsumerRecord
    public let envelope: Result<Envelope, EnvelopeError>

    public struct EnvelopeError: Error, Sendable {
        public let reason: RejectionReason
        public let detail: String

        init(_ reason: RejectionReason = .malformedEnvelope, detail: String) {
            self.reason = reason
            self.detail = detail
        }
    }

    /// The envelope from a record: key = user id, value = body,
    /// headers `provider`, `received-at`, and `delivery-id`, `data-type` when present.
    public init(_ record: KafkaConsumerRecord) {
        origin = record
        envelope = Self.envelope(of: record)
    }

    private static func envelope(of record: KafkaConsumerRecord) -> Result<Envelope, EnvelopeError> {
        guard let key = record.key, !key.isEmpty else { return .failure(EnvelopeError(detail: "the record has no key (user id)")) }
        guard let userID = Identifier.validated(key) else {
            return .failure(EnvelopeError(.invalidID, detail: "the key (user id) is not 1–\(Identifier.maximumBytes) bytes of printable UTF-8"))
        }
        var deliveryID: String?
        if let header = record.header(RecordHeader.deliveryID) {
            guard let valid = Identifier.validated(header.value) else {
                return .failure(EnvelopeError(.invalidID, detail: "the delivery-id header is not 1–\(Identifier.maximumBytes) bytes of printable UTF-8"))
            }
            deliveryID = valid
        }
        guard let name = record.header(RecordHeader.provider)?.stringValue else {
            return .failure(EnvelopeError(detail: "the record has no provider header"))
        }
        guard let provider = Provider(rawValue: name) else {
            return .failure(EnvelopeError(.unknownProvider, detail: "unknown provider '\(name.prefix(64))'"))
        }
        guard let receivedText = record.header(RecordHeader.receivedAt)?.stringValue, let receivedAt = TimestampParser.parseInstant(receivedText) else {
            return .failure(EnvelopeError(detail: "the received-at header is missing or not a timestamp"))
        }
        return .success(Envelope(
            provider: provider, userID: userID, receivedAt: receivedAt,
            deliveryID: deliveryID, dataType: record.header(RecordHeader.dataType)?.stringValue,
            body: record.value))
    }

    /// The shard that owns this record's user: a stable hash of the key.
    public func shard(of count: Int) -> Int {
        Int(FNV1a.hash(origin.key ?? []) % UInt64(count))
    }
}
