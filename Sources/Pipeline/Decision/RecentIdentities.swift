/// The identities of the envelopes a user's state has processed, newest
/// last, at most `capacity` (SPEC 5.1): enough to recognise a provider's
/// retry or a replayed record, in fixed space.
public struct RecentIdentities: Sendable, Hashable {
    public private(set) var identities: [String] = []

    public init() {}

    init(identities: [String]) {
        self.identities = identities
    }

    public func contains(_ identity: String) -> Bool {
        identities.contains(identity)
    }

    public mutating func remember(_ identity: String, capacity: Int) {
        guard !identities.contains(identity) else { return }
        identities.append(identity)
        if identities.count > capacity { identities.removeFirst(identities.count - capacity) }
    }
}
