/// The identities of the envelopes a user's state has processed, at most
/// `capacity`: enough to recognise a provider's retry or a
/// replayed record, in fixed space. Each is kept as a 96-bit digest — 12
/// bytes whatever the id's length, so no id is ever cut, and two compared
/// words per entry on the hot path. With 64 remembered ids, a new id is
/// taken for a duplicate by chance once in 2^90 events; 128 bits would
/// spend a sixth of a full state's stored size on making that rarer still.
/// Ids come from the user's own senders, so a crafted collision could only
/// hide that user's own event.
public struct RecentIdentities: Sendable, Hashable {
    /// The first 96 bits of the id's MurmurHash3 (x64, 128-bit).
    public struct Digest: Hashable, Sendable {
        public let high: UInt64
        public let low: UInt32

        public init(_ identity: String) {
            let (h1, h2) = MurmurHash3.hash128(identity)
            self.init(high: h1, low: UInt32(truncatingIfNeeded: h2))
        }

        init(high: UInt64, low: UInt32) {
            self.high = high
            self.low = low
        }
    }

    private var ring: [Digest] = []
    /// Where the next identity goes once the ring is full.
    private var next = 0

    public init() {}

    init(digests: [Digest]) {
        ring = digests
    }

    /// Oldest first.
    public var digests: [Digest] {
        Array(ring[next...] + ring[..<next])
    }

    public func contains(_ digest: Digest) -> Bool {
        ring.contains(digest)
    }

    /// Adds an identity the caller found not to be remembered yet.
    public mutating func remember(_ digest: Digest, capacity: Int) {
        if ring.count > capacity {
            // The capacity was lowered by a configuration change: keep the newest.
            self = RecentIdentities(digests: Array(digests.suffix(capacity - 1)))
        }
        if ring.count < capacity {
            ring.append(digest)
        } else {
            ring[next] = digest
            next = (next + 1) % capacity
        }
    }

    /// Equal when the same identities are remembered in the same order,
    /// wherever the ring happens to start.
    public static func == (lhs: RecentIdentities, rhs: RecentIdentities) -> Bool {
        lhs.digests == rhs.digests
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(digests)
    }
}
