/// The decisions of `DeliveryLedger`, apart from the lock, the clock and the
/// continuations: which delivery ids are in flight or were delivered within
/// the window, and who waits for an attempt in flight. `Waiter` is whatever
/// the shell resumes with the attempt's outcome.
///
/// A waiter is not cancelled: it waits for one attempt, which the ingress
/// settles within its produce timeout whatever happens.
struct DeliveryLedgerStateMachine<Waiter> {
    enum Claim: Equatable {
        case fresh
        case replay
        /// Another attempt with this id is producing: wait for its outcome.
        case wait
    }

    enum Wait {
        case waiting
        /// The attempt settled before the waiter arrived: claim again.
        case claimAgain
    }

    private enum Entry {
        case inFlight([Waiter])
        case delivered(expires: ContinuousClock.Instant)
    }

    let window: Duration
    let capacity: Int
    private var entries: [String: Entry] = [:]
    /// Delivered keys in the order they expire (all share one window).
    private var expiryOrder: [(key: String, expires: ContinuousClock.Instant)] = []
    private var expiryHead = 0

    init(window: Duration, capacity: Int) {
        self.window = window
        self.capacity = capacity
    }

    /// Ids remembered as delivered or in flight.
    var count: Int { entries.count }

    /// Claims waiting for the attempt in flight with this key.
    func waiters(_ key: String) -> Int {
        guard case .inFlight(let waiting) = entries[key] else { return 0 }
        return waiting.count
    }

    mutating func claim(_ key: String, now: ContinuousClock.Instant) -> Claim {
        forgetExpired(now: now)
        switch entries[key] {
        case .delivered(let expires) where expires > now: return .replay
        case .inFlight: return .wait
        default:
            entries[key] = .inFlight([])
            return .fresh
        }
    }

    mutating func wait(_ key: String, _ waiter: Waiter) -> Wait {
        guard case .inFlight(var waiting) = entries[key] else { return .claimAgain }
        waiting.append(waiter)
        entries[key] = .inFlight(waiting)
        return .waiting
    }

    /// Ends the attempt in flight: `delivered` remembers the id for the
    /// window, otherwise it is released so a retry is accepted. Returns the
    /// waiters, to be told the outcome.
    mutating func settle(_ key: String, delivered: Bool, now: ContinuousClock.Instant) -> [Waiter] {
        guard case .inFlight(let waiting) = entries[key] else { return [] }
        if delivered {
            let expires = now + window
            entries[key] = .delivered(expires: expires)
            expiryOrder.append((key, expires))
        } else {
            entries[key] = nil
        }
        return waiting
    }

    /// Beyond `capacity` the oldest ids are forgotten early: memory stays
    /// bounded under a flood of distinct ids.
    private mutating func forgetExpired(now: ContinuousClock.Instant) {
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
}
