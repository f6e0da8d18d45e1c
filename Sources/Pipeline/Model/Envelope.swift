/// What the ingress appended to `biometric-events`: the provider's untouched
/// body plus routing metadata. In Kafka the metadata travels as the
/// key and headers; in `replay` files as one JSON object per line.
public struct Envelope: Sendable, Hashable {
    /// Where it came from; a record naming a provider we do not know is
    /// refused before it becomes an envelope (`unknown_provider`).
    public var provider: Provider
    public var userID: String
    public var receivedAt: Timestamp
    public var deliveryID: String?
    /// The kind of fetched provider record (`sleep`, `daily_readiness`, …).
    public var dataType: String?
    /// The body's bytes exactly as received.
    public var body: [UInt8]

    public init(provider: Provider, userID: String, receivedAt: Timestamp, deliveryID: String? = nil, dataType: String? = nil, body: [UInt8]) {
        self.provider = provider
        self.userID = userID
        self.receivedAt = receivedAt
        self.deliveryID = deliveryID
        self.dataType = dataType
        self.body = body
    }
}
