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
    public var view = SparseSlots<ViewEntry?>()
    /// Indexed by `Metric.rawValue`.
    public var baselines = SparseSlots<Baseline>()
    /// Low-HRV records per UTC hour (0–23).
    public var lowHrvHours = SparseSlots<PatternBucket>()
    /// Low-recovery records per UTC weekday, Monday first (0–6).
    public var lowRecoveryWeekdays = SparseSlots<PatternBucket>()
    public var recentIdentities = RecentIdentities()
    /// The last `state.max_mode_history` switches, oldest first.
    public var history: [SwitchRecord] = []

    /// UTC hours and weekdays of the pattern buckets.
    public static let hours = 24
    public static let weekdays = 7

    public init(userID: String) {
        self.userID = userID
    }

    public func entry(_ metric: Metric) -> ViewEntry? { view[metric.rawValue] }

    public func baseline(_ metric: Metric) -> Baseline { baselines[metric.rawValue] }
}
