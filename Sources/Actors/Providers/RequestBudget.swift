/// A provider's request limits as a pure state machine: several sliding
/// windows (WHOOP: 100 a minute and 10,000 a day) and a pause a 429 asked
/// for. `request(at:)` says whether a request may go now or when to ask again;
/// time is passed in, so the rules are tested line by line.
struct RequestBudget: Sendable {
    struct Window: Sendable, Equatable, CustomStringConvertible {
        let limit: Int
        let length: Duration

        var description: String { "\(limit)/\(length.components.seconds)s" }
    }

    enum Decision: Equatable {
        case proceed
        case wait(until: ContinuousClock.Instant)
    }

    let windows: [Window]
    /// When each of the most recent requests went, oldest first; as many as
    /// the largest window allows, since no window looks further back.
    private var sent: [ContinuousClock.Instant] = []
    private var oldest = 0
    private(set) var pausedUntil: ContinuousClock.Instant?

    init(windows: [Window]) {
        self.windows = windows
    }

    private var capacity: Int { windows.map(\.limit).max() ?? 0 }
    private var count: Int { sent.count - oldest }

    /// Counts the request when it may go.
    mutating func request(at now: ContinuousClock.Instant) -> Decision {
        if let pausedUntil, now < pausedUntil { return .wait(until: pausedUntil) }
        pausedUntil = nil
        var until: ContinuousClock.Instant?
        for window in windows where count >= window.limit {
            // The request `limit` back must have left the window.
            let leaves = sent[sent.count - window.limit] + window.length
            if now < leaves { until = max(until ?? leaves, leaves) }
        }
        if let until { return .wait(until: until) }
        sent.append(now)
        if count > capacity { oldest += 1 }
        if oldest > 1_024, oldest * 2 > sent.count {
            sent.removeFirst(oldest)
            oldest = 0
        }
        return .proceed
    }

    /// No request goes before `until` (a 429's `Retry-After`); a later pause wins.
    mutating func pause(until: ContinuousClock.Instant) {
        pausedUntil = max(pausedUntil ?? until, until)
    }
}
