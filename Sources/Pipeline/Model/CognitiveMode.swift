/// The agent's way of working for one user, switched by the decision engine.
public enum CognitiveMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Normal operation; every user starts here.
    case pattern
    /// Acute stress: respond immediately.
    case reflex
    /// Low reserves: be protective.
    case guardian
    /// An anomaly: explore carefully.
    case hypothesis
}
