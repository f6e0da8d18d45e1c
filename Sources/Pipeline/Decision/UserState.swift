/// One user's cognitive state: mode, clock, the view of newest readings,
/// baselines, pattern buckets, recent envelope identities and mode history.
/// Every part has a fixed bound, so a user's state never grows with time.
public struct UserState: Sendable, Hashable {
    /// Every user starts in `pattern` with this confidence.
    public static let initialConfidence = 0.5

    public let userID: String
    public var mode: CognitiveMode = .pattern
    public var confidence = UserState.initialConfidence
    /// Decided events so far; the first decided event makes it 1.
    public var version: Int64 = 0
    /// The newest time of the user's decided events.
    public var clock: Timestamp?
    public var lastSwitch: Timestamp?
    /// Indexed by `Metric.rawValue`.
    public var view: [ViewEntry?]
    /// Indexed by `Metric.rawValue`.
    public var baselines: [Baseline]
    /// Low-HRV records per UTC hour (24 buckets).
    public var lowHrvHours: [PatternBucket]
    /// Low-recovery records per UTC weekday, Monday first (7 buckets).
    public var lowRecoveryWeekdays: [PatternBucket]
    public var recentIdentities = RecentIdentities()
    /// The last `state.max_mode_history` switches, oldest first.
    public var history: [SwitchRecord] = []

    public init(userID: String) {
        self.userID = userID
        view = Array(repeating: nil, count: Metric.count)
        baselines = Array(repeating: Baseline(), count: Metric.count)
        lowHrvHours = Array(repeating: PatternBucket(), count: 24)
        lowRecoveryWeekdays = Array(repeating: PatternBucket(), count: 7)
    }

    public func entry(_ metric: Metric) -> ViewEntry? { view[metric.rawValue] }

    public func baseline(_ metric: Metric) -> Baseline { baselines[metric.rawValue] }
}
