/// The identities of the envelopes a user's state has processed, at most
/// `capacity`: enough to recognise a provider's retry or a
/// replayed record, in fixed space. Each is kept as a 128-bit digest — 16
/// bytes whatever the id's length, so no id is ever cut, and one comparison
/// of two words per entry on the hot path. Ids come from the user's own
/// senders, so a crafted collision could only hide that user's own event.
public struct RecentIdentities: Sendable, Hashable {
    public struct Digest: Hashable, Sendable {
        public let h1: UInt64
        public let h2: UInt64

        public init(_ identity: String) {
            (h1, h2) = MurmurHash3.hash128(identity)
        }

        init(h1: UInt64, h2: UInt64) {
            self.h1 = h1
            self.h2 = h2
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
