/// The current values a decision saw, for the agent: rounded
/// half-even to 6 decimals, `nil` when not current.
public struct CognitiveStateSnapshot: Sendable, Hashable {
    public var hrv: Double?
    public var heartRate: Double?
    /// The stress level the decision used; `nil` when stress was not an indicator.
    public var stressLevel: Double?
    public var recoveryScore: Double?
    public var provider: Provider

    public init(hrv: Double?, heartRate: Double?, stressLevel: Double?, recoveryScore: Double?, provider: Provider) {
        self.hrv = hrv
        self.heartRate = heartRate
        self.stressLevel = stressLevel
        self.recoveryScore = recoveryScore
        self.provider = provider
    }
}
