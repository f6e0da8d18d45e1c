import Synchronization

/// Replay protection: the delivery ids accepted in the last `window`, per
/// provider. An id is claimed after the signature checks and remembered only
/// once its record is in Kafka; a retry that arrives while the first attempt
/// is still producing waits for that attempt's outcome, so two concurrent
/// copies never both reach the topic. Every request passes here, so it is a
/// lock around `DeliveryLedgerStateMachine`, not an actor: no executor hop on
/// the hot path.
public final class DeliveryLedger: Sendable {
    public enum Claim: Sendable, Equatable {
        case fresh
        case replay
    }

    private let state: Mutex<DeliveryLedgerStateMachine<CheckedContinuation<Bool, Never>>>

    /// `capacity` bounds memory under a flood of distinct ids: beyond it the
    /// oldest ids are forgotten early (the processor's own duplicate check
    /// still catches a late replay of one of them).
    public init(window: Duration = .seconds(600), capacity: Int = 2_000_000) {
        state = Mutex(DeliveryLedgerStateMachine(window: window, capacity: capacity))
    }

    public func claim(provider: String, deliveryID: String) async -> Claim {
        let key = Self.key(provider, deliveryID)
        switch state.withLock({ $0.claim(key, now: .now) }) {
        case .fresh: return .fresh
        case .replay: return .replay
        case .wait:
            let delivered = await withCheckedContinuation { continuation in
                if case .claimAgain = state.withLock({ $0.wait(key, continuation) }) { continuation.resume(returning: false) }
            }
            return delivered ? .replay : await claim(provider: provider, deliveryID: deliveryID)
        }
    }

    /// Ends a claim: `delivered` remembers the id for the window; otherwise it
    /// is released so the sender's retry is accepted.
    public func settle(provider: String, deliveryID: String, delivered: Bool) {
        let key = Self.key(provider, deliveryID)
        let waiting = state.withLock { $0.settle(key, delivered: delivered, now: .now) }
        for continuation in waiting { continuation.resume(returning: delivered) }
    }

    /// Retries waiting for the attempt in flight with this id.
    func waiters(provider: String, deliveryID: String) -> Int {
        state.withLock { $0.waiters(Self.key(provider, deliveryID)) }
    }

    private static func key(_ provider: String, _ deliveryID: String) -> String {
        provider + "\u{1F}" + deliveryID
    }
}
