/// Replay protection (SPEC 4): the delivery ids accepted in the last
/// `window`, per provider. An id is claimed after the signature checks and
/// remembered only once its record is in Kafka; a retry that arrives while the
/// first attempt is still producing waits for that attempt's outcome, so two
/// concurrent copies never both reach the topic.
public actor DeliveryLedger {
    public enum Claim: Sendable, Equatable {
        case fresh
        case replay
    }

    private enum Entry {
        case inFlight([CheckedContinuation<Bool, Never>])
        case delivered(expires: ContinuousClock.Instant)
    }

    private let window: Duration
    private let capacity: Int
    private var entries: [String: Entry] = [:]
    /// Delivered keys in the order they expire (all share one window).
    private var expiryOrder: [(key: String, expires: ContinuousClock.Instant)] = []
    private var expiryHead = 0

    /// `capacity` bounds memory under a flood of distinct ids: beyond it the
    /// oldest ids are forgotten early (the processor's own duplicate check
    /// still catches a late replay of one of them).
    public init(window: Duration = .seconds(600), capacity: Int = 2_000_000) {
        self.window = window
        self.capacity = capacity
    }

    public func claim(provider: String, deliveryID: String) async -> Claim {
        let key = Self.key(provider, deliveryID)
        let now = ContinuousClock.now
        forgetExpired(now: now)
        switch entries[key] {
        case .delivered(let expires) where expires > now:
            return .replay
        case .inFlight:
            let delivered = await withCheckedContinuation { continuation in
                if case .inFlight(var waiting) = entries[key] {
                    waiting.append(continuation)
                    entries[key] = .inFlight(waiting)
                } else {
                    continuation.resume(returning: false)
                }
            }
            return delivered ? .replay : await claim(provider: provider, deliveryID: deliveryID)
        default:
            entries[key] = .inFlight([])
            return .fresh
        }
    }

    /// Ends a claim: `delivered` remembers the id for the window; otherwise it
    /// is released so the sender's retry is accepted.
    public func settle(provider: String, deliveryID: String, delivered: Bool) {
        let key = Self.key(provider, deliveryID)
        guard case .inFlight(let waiting) = entries[key] else { return }
        if delivered {
            let expires = ContinuousClock.now + window
            entries[key] = .delivered(expires: expires)
            expiryOrder.append((key, expires))
        } else {
            entries[key] = nil
        }
        for continuation in waiting { continuation.resume(returning: delivered) }
    }

    private func forgetExpired(now: ContinuousClock.Instant) {
        while expiryHead < expiryOrder.count {
            let (key, expires) = expiryOrder[expiryHead]
            guard expires <= now || expiryOrder.count - expiryHead > capacity else { break }
            if case .delivered(let current) = entries[key], current == expires { entries[key] = nil }
            expiryHead += 1
        }
        if expiryHead > 4096, expiryHead * 2 > expiryOrder.count {
            expiryOrder.removeFirst(expiryHead)
            expiryHead = 0
        }
    }

    private static func key(_ provider: String, _ deliveryID: String) -> String {
        provider + "\u{1F}" + deliveryID
    }
}
