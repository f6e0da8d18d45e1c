/// The identities of the envelopes a user's state has processed, at most
/// `capacity` (SPEC 5.1): enough to recognise a provider's retry or a
/// replayed record, in fixed space. A ring with a 64-bit fingerprint per
/// entry, because this check runs for every event and string comparisons
/// against every remembered id would dominate the decide step.
public struct RecentIdentities: Sendable {
    private var ring: [String] = []
    private var fingerprints: [UInt64] = []
    /// Where the next identity goes once the ring is full.
    private var next = 0

    public init() {}

    init(identities: [String]) {
        ring = identities
        fingerprints = identities.map(Self.fingerprint)
    }

    /// Oldest first.
    public var identities: [String] {
        Array(ring[next...] + ring[..<next])
    }

    public func contains(_ identity: String) -> Bool {
        let print = Self.fingerprint(identity)
        for index in fingerprints.indices where fingerprints[index] == print && ring[index] == identity {
            return true
        }
        return false
    }

    /// Adds an identity the caller found not to be remembered yet.
    public mutating func remember(_ identity: String, capacity: Int) {
        if ring.count > capacity {
            // The capacity was lowered by a configuration change: keep the newest.
            self = RecentIdentities(identities: Array(identities.suffix(capacity - 1)))
        }
        if ring.count < capacity {
            ring.append(identity)
            fingerprints.append(Self.fingerprint(identity))
        } else {
            ring[next] = identity
            fingerprints[next] = Self.fingerprint(identity)
            next = (next + 1) % capacity
        }
    }

    private static func fingerprint(_ identity: String) -> UInt64 {
        FNV1a.hash(identity.utf8)
    }
}

extension RecentIdentities: Hashable {
    /// Equal when the same identities are remembered in the same order,
    /// wherever the ring happens to start.
    public static func == (lhs: RecentIdentities, rhs: RecentIdentities) -> Bool {
        lhs.identities == rhs.identities
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(identities)
    }
}
