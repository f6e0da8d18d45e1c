import Pipeline

/// A consumed Kafka record on its way through the stages: where it came from,
/// and its envelope — or why it has none.
public struct InboundRecord: Sendable {
    public let origin: KafkaConsumerRecord
    public let envelope: Result<Envelope, EnvelopeError>

    public struct EnvelopeError: Error, Sendable {
        public let detail: String
    }

    /// The envelope of SPEC 10 from a record: key = user id, value = body,
    /// headers `provider`, `received-at`, and `delivery-id`, `data-type` when present.
    public init(_ record: KafkaConsumerRecord) {
        origin = record
        envelope = Self.envelope(of: record)
    }

    private static func envelope(of record: KafkaConsumerRecord) -> Result<Envelope, EnvelopeError> {
        guard let key = record.key, !key.isEmpty else { return .failure(EnvelopeError(detail: "the record has no key (user id)")) }
        guard let provider = record.header("provider")?.stringValue else {
            return .failure(EnvelopeError(detail: "the record has no provider header"))
        }
        guard let receivedText = record.header("received-at")?.stringValue, let receivedAt = TimestampParser.parse(receivedText) else {
            return .failure(EnvelopeError(detail: "the received-at header is missing or not a timestamp"))
        }
        return .success(Envelope(
            provider: provider, userID: String(decoding: key, as: UTF8.self), receivedAt: receivedAt,
            deliveryID: record.header("delivery-id")?.stringValue, dataType: record.header("data-type")?.stringValue,
            body: record.value))
    }

    /// The shard that owns this record's user: a stable hash of the key.
    public func shard(of count: Int) -> Int {
        Int(FNV1a.hash(origin.key ?? []) % UInt64(count))
    }
}
