import Synchronization

/// Replay protection (SPEC 4): the delivery ids accepted in the last
/// `window`, per provider. An id is claimed after the signature checks and
/// remembered only once its record is in Kafka; a retry that arrives while the
/// first attempt is still producing waits for that attempt's outcome, so two
/// concurrent copies never both reach the topic. Every request passes here,
/// so it is a lock, not an actor: no executor hop on the hot path.
public final class DeliveryLedger: Sendable {
    public enum Claim: Sendable, Equatable {
        case fresh
        case replay
    }

    private enum Entry {
        case inFlight([CheckedContinuation<Bool, Never>])
        case delivered(expires: ContinuousClock.Instant)
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Delivered keys in the order they expire (all share one window).
        var expiryOrder: [(key: String, expires: ContinuousClock.Instant)] = []
        var expiryHead = 0
    }

    private enum Decision {
        case fresh, replay, wait
    }

    private let window: Duration
    private let capacity: Int
    private let state = Mutex(State())

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
        let decision = state.withLock { state -> Decision in
            forgetExpired(&state, now: now)
            switch state.entries[key] {
            case .delivered(let expires) where expires > now: return .replay
            case .inFlight: return .wait
            default:
                state.entries[key] = .inFlight([])
                return .fresh
            }
        }
        switch decision {
        case .fresh: return .fresh
        case .replay: return .replay
        case .wait:
            let delivered = await withCheckedContinuation { continuation in
                let waiting = state.withLock { state -> Bool in
                    guard case .inFlight(var waiting) = state.entries[key] else { return false }
                    waiting.append(continuation)
                    state.entries[key] = .inFlight(waiting)
                    return true
                }
                if !waiting { continuation.resume(returning: false) }
            }
            return delivered ? .replay : await claim(provider: provider, deliveryID: deliveryID)
        }
    }

    /// Ends a claim: `delivered` remembers the id for the window; otherwise it
    /// is released so the sender's retry is accepted.
    public func settle(provider: String, deliveryID: String, delivered: Bool) {
        let key = Self.key(provider, deliveryID)
        let expires = ContinuousClock.now + window
        let waiting = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard case .inFlight(let waiting) = state.entries[key] else { return [] }
            if delivered {
                state.entries[key] = .delivered(expires: expires)
                state.expiryOrder.append((key, expires))
            } else {
                state.entries[key] = nil
            }
            return waiting
        }
        for continuation in waiting { continuation.resume(returning: delivered) }
    }

    private func forgetExpired(_ state: inout State, now: ContinuousClock.Instant) {
        while state.expiryHead < state.expiryOrder.count {
            let (key, expires) = state.expiryOrder[state.expiryHead]
            guard expires <= now || state.expiryOrder.count - state.expiryHead > capacity else { break }
            if case .delivered(let current) = state.entries[key], current == expires { state.entries[key] = nil }
            state.expiryHead += 1
        }
        if state.expiryHead > 4096, state.expiryHead * 2 > state.expiryOrder.count {
            state.expiryOrder.removeFirst(state.expiryHead)
            state.expiryHead = 0
        }
    }

    private static func key(_ provider: String, _ deliveryID: String) -> String {
        provider + "\u{1F}" + deliveryID
    }
}
