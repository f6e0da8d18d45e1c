/// The normalise stage: an envelope's bytes to canonical readings, per
/// provider, with a stable reason for everything left out.
public struct Normalizer: Sendable {
    struct Failure: Error {
        let reason: RejectionReason
        let detail: String

        init(_ reason: RejectionReason, _ detail: String) {
            self.reason = reason
            self.detail = detail
        }
    }

    public let configuration: BridgeConfiguration

    public init(configuration: BridgeConfiguration) {
        self.configuration = configuration
    }

    public func normalize(_ envelope: Envelope) -> Normalization {
        guard Identifier.isValid(envelope.userID) else { return .failure(.invalidID, detail: "the user id \(Self.idRule)") }
        if let deliveryID = envelope.deliveryID, !Identifier.isValid(deliveryID) {
            return .failure(.invalidID, detail: "the delivery id \(Self.idRule)")
        }
        let provider = envelope.provider
        let body: JSONValue
        do {
            body = try JSONParser.parse(envelope.body)
        } catch {
            return .failure(.malformedBody, detail: "the body is not JSON: \(error)")
        }
        let context = NormalizationContext(configuration: configuration, receivedAt: envelope.receivedAt)
        var record = NormalizedRecord(
            identity: "", deliveryID: envelope.deliveryID, userID: envelope.userID, provider: provider,
            deviceType: nil, ownTimestamp: nil, candidates: [], rejections: [])
        var eventID: String?

        switch provider {
        case .appleHealth:
            switch HealthKitNormalizer(context: context).candidates(body) {
            case .success(let (candidates, rejections)): (record.candidates, record.rejections) = (candidates, rejections)
            case .failure(let failure): return .failure(failure.reason, detail: failure.detail)
            }
        case .oura, .whoop:
            guard body.isObject else { return .failure(.malformedBody, detail: "a \(provider.rawValue) body is an object") }
            if ProviderRecordNormalizer.isNotification(body, provider: provider) { return .notification(provider) }
            switch ProviderRecordNormalizer(context: context).parse(body, provider: provider, dataType: envelope.dataType) {
            case .success(let (candidates, rejections)): (record.candidates, record.rejections) = (candidates, rejections)
            case .failure(let failure): return .failure(failure.reason, detail: failure.detail)
            }
        case .canonical, .garmin:
            // Generic webhook senders post the canonical shape.
            switch CanonicalNormalizer(context: context).parse(body) {
            case .success(let parsed):
                (record.candidates, record.rejections) = (parsed.candidates, parsed.rejections)
                record.ownTimestamp = parsed.timestamp
                record.deviceType = parsed.deviceType
                eventID = parsed.eventID
            case .failure(let failure): return .failure(failure.reason, detail: failure.detail)
            }
        }
        if let eventID, !Identifier.isValid(eventID) { return .failure(.invalidID, detail: "the event id \(Self.idRule)") }
        record.identity = eventID ?? envelope.deliveryID ?? Self.bodyHash(envelope.body)
        return .record(record)
    }

    private static let idRule = "is not 1–\(Identifier.maximumBytes) bytes of printable UTF-8"

    /// The first 16 bytes of SHA-256 of the body, in hex: the identity of an
    /// envelope that has neither an event id nor a delivery id.
    public static func bodyHash(_ body: [UInt8]) -> String {
        String(SHA256Digest.hex(of: body).prefix(32))
    }
}
