/// A canonical metric. Values are always in the canonical unit; SDNN
/// and RMSSD are different metrics and never mixed.
public enum Metric: Int, Sendable, Hashable, CaseIterable, Comparable {
    case heartRate, restingHeartRate, walkingHeartRate
    case hrvSDNN, hrvRMSSD
    case bloodOxygen, bodyTemperature, temperatureDeviation, respiratoryRate
    case bloodPressureSystolic, bloodPressureDiastolic
    case activeCalories, steps, distanceMeters, flightsClimbed, exerciseMinutes, standMinutes
    case sleepState, mindfulMinutes
    case stressLevel, recoveryScore, sleepScore
    case totalSleepMinutes, deepSleepMinutes, remSleepMinutes, lightSleepMinutes, awakeMinutes

    public static let count = allCases.count

    public static func < (lhs: Metric, rhs: Metric) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The name used in JSON, configuration and metric labels.
    public var name: String { Self.names[rawValue] }

    public init?(name: String) {
        guard let metric = Self.byName[name] else { return nil }
        self = metric
    }

    public var unit: String { Self.units[rawValue] }

    private static let names = [
        "heart_rate", "resting_heart_rate", "walking_heart_rate",
        "hrv_sdnn", "hrv_rmssd",
        "blood_oxygen", "body_temperature", "temperature_deviation", "respiratory_rate",
        "blood_pressure_systolic", "blood_pressure_diastolic",
        "active_calories", "steps", "distance_meters", "flights_climbed", "exercise_minutes", "stand_minutes",
        "sleep_state", "mindful_minutes",
        "stress_level", "recovery_score", "sleep_score",
        "total_sleep_minutes", "deep_sleep_minutes", "rem_sleep_minutes", "light_sleep_minutes", "awake_minutes",
    ]

    private static let units = [
        "bpm", "bpm", "bpm",
        "ms", "ms",
        "%", "°C", "°C", "breaths/min",
        "mmHg", "mmHg",
        "kcal", "count", "m", "count", "min", "min",
        "HealthKit sleep value", "min",
        "0…1", "0…100", "0…100",
        "min", "min", "min", "min", "min",
    ]

    private static let byName: [String: Metric] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })
}
