/// When the ingest stage sends a checkpoint barrier: after an interval with
/// records read, at once when asked (a mode switch, a significant change,
/// memory pressure), when too many users are dirty, and never more than one
/// at a time, except that reading runs at most `window` records ahead of the
/// barrier in flight. Pure: the stage tells it what happened and does what it
/// answers.
struct BarrierSchedule {
    struct Policy: Sendable, Equatable {
        var interval: Duration
        var maxDirtyUsers: Int
        /// Records read past the last barrier before reading waits for the
        /// barrier in flight: bounds memory when PostgreSQL is slow.
        var window: Int
    }

    enum Action: Equatable {
        case none
        case sendBarrier
        /// Barrier `id` is still being written: wait for it, then send one.
        case waitFor(Int)
    }

    private(set) var nextID = 1
    /// The barrier sent and not yet known to be written.
    private(set) var inFlight: Int?
    private var lastBarrier: ContinuousClock.Instant
    private var readSinceBarrier = 0
    /// When the first record the barrier in flight covers was forwarded.
    private var inFlightCoversSince: ContinuousClock.Instant?
    private var firstForwardSinceBarrier: ContinuousClock.Instant?
    private var immediatePending = false

    init(now: ContinuousClock.Instant) {
        lastBarrier = now
    }

    /// When the oldest record not covered by a written checkpoint was
    /// forwarded, for readiness; nil when every record is covered.
    var uncheckpointedSince: ContinuousClock.Instant? { inFlightCoversSince ?? firstForwardSinceBarrier }

    /// Coalesces into the next barrier, which goes as soon as the one in flight is written.
    mutating func requestImmediate() {
        immediatePending = true
    }

    /// `read` records came from the consumer; `forwarded` of them went to
    /// the shards, starting at `forwardedAt`.
    mutating func recordsRead(
        _ read: Int, forwarded: Int, at forwardedAt: ContinuousClock.Instant, now: ContinuousClock.Instant, policy: Policy, written: Int, dirtyUsers: Int
    ) -> Action {
        if forwarded > 0, firstForwardSinceBarrier == nil { firstForwardSinceBarrier = forwardedAt }
        readSinceBarrier += read
        if readSinceBarrier >= policy.window { return checkpointNow(written: written) }
        return tick(now: now, policy: policy, written: written, dirtyUsers: dirtyUsers)
    }

    /// Time passed; `written` is the last barrier the checkpoint writer finished.
    mutating func tick(now: ContinuousClock.Instant, policy: Policy, written: Int, dirtyUsers: Int) -> Action {
        if let inFlight {
            guard written >= inFlight else { return .none }
            checkpointWritten(inFlight)
        }
        let due = immediatePending || dirtyUsers >= policy.maxDirtyUsers
            || (readSinceBarrier > 0 && now - lastBarrier >= policy.interval)
        return due ? .sendBarrier : .none
    }

    /// A barrier now, whatever the policy says (a revocation, memory
    /// pressure, a full window) — after the one in flight.
    func checkpointNow(written: Int) -> Action {
        if let inFlight, written < inFlight { return .waitFor(inFlight) }
        return .sendBarrier
    }

    /// The stage sends a barrier; returns its id.
    mutating func barrierSent(now: ContinuousClock.Instant) -> Int {
        let id = nextID
        nextID += 1
        inFlight = id
        inFlightCoversSince = firstForwardSinceBarrier
        firstForwardSinceBarrier = nil
        lastBarrier = now
        readSinceBarrier = 0
        immediatePending = false
        return id
    }

    /// Barrier `id` is written: the records it covers are safe.
    mutating func checkpointWritten(_ id: Int) {
        guard let inFlight, id >= inFlight else { return }
        self.inFlight = nil
        inFlightCoversSince = nil
    }
}
