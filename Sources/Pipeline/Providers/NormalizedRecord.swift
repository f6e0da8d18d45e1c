/// A record turned into canonical readings, before range validation: the
/// readings that passed the provider's checks, with where each came from, and
/// the samples or fields rejected on the way.
public struct NormalizedRecord: Sendable, Hashable {
    public struct Candidate: Sendable, Hashable {
        /// Sample position or field name, for rejections.
        public var index: String
        public var reading: Reading
    }

    public var identity: String
    public var deliveryID: String?
    public var userID: String
    public var provider: Provider
    public var deviceType: String?
    /// A canonical event's own `timestamp`, which counts toward its event time.
    public var ownTimestamp: Timestamp?
    public var candidates: [Candidate]
    public var rejections: [Rejection]
}
