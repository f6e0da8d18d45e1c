/// Where an event came from. `canonical` is an already-normalised event from
/// another system.
public enum Provider: String, Sendable, Hashable, Codable, CaseIterable {
    case appleHealth = "apple_health"
    case oura
    case whoop
    case garmin
    case canonical

    /// The name people know it by.
    public var displayName: String {
        switch self {
        case .appleHealth: "Apple Health"
        case .oura: "Oura"
        case .whoop: "WHOOP"
        case .garmin: "Garmin"
        case .canonical: "canonical"
        }
    }
}
