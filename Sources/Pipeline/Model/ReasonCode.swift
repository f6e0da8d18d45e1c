/// Why a candidate mode was chosen. The sentence is for people and
/// never carries a biometric value.
public enum ReasonCode: String, Sendable, Hashable, CaseIterable {
    case hrvDrop = "hrv_drop"
    case heartRateElevated = "heart_rate_elevated"
    case criticalStress = "critical_stress"
    case extremeAnomaly = "extreme_anomaly"
    case lowRecovery = "low_recovery"
    case depletionIndicators = "depletion_indicators"
    case recurringPattern = "recurring_pattern"
    case anomaly
    case returnedToBaseline = "returned_to_baseline"

    public var sentence: String {
        switch self {
        case .hrvDrop: "Heart rate variability fell sharply below the personal baseline."
        case .heartRateElevated: "Heart rate is well above the resting range."
        case .criticalStress: "The stress level reached the critical threshold."
        case .extremeAnomaly: "An extreme deviation from the personal baseline was detected."
        case .lowRecovery: "Recovery is depleted."
        case .depletionIndicators: "Several indicators point to depleted reserves."
        case .recurringPattern: "A recurring pattern of strain was recognised."
        case .anomaly: "An unusual combination of signals was detected."
        case .returnedToBaseline: "Indicators have returned to the personal baseline."
        }
    }
}
