/// The 17 HealthKit types of the seed, each with its metric and the
/// units it accepts.
struct HealthKitType: Sendable {
    enum Kind: Sendable {
        case quantity
        /// Values are HealthKit sleep-analysis raw values or their names.
        case sleep
        /// Minutes, or the span between `start` and `end`.
        case mindful
        /// A value ≤ 1 is HealthKit's fraction, whatever the unit.
        case oxygenSaturation
        /// Without a unit, a value above `ingest.fahrenheit_above` is °F.
        case bodyTemperature
    }

    let name: String
    let metric: Metric
    let kind: Kind
    let units: [String: UnitConversion]

    private static let heartRateUnits: [String: UnitConversion] = ["count/min": .identity, "bpm": .identity, "count/s": .multiply(60)]
    private static let durationUnits: [String: UnitConversion] = [
        "min": .identity, "s": .divide(60), "h": .multiply(60), "hr": .multiply(60), "ms": .divide(60_000),
    ]

    static let all: [HealthKitType] = [
        HealthKitType(name: "heartRate", metric: .heartRate, kind: .quantity, units: heartRateUnits),
        HealthKitType(name: "heartRateVariabilitySDNN", metric: .hrvSDNN, kind: .quantity, units: ["ms": .identity, "s": .multiply(1000)]),
        HealthKitType(name: "restingHeartRate", metric: .restingHeartRate, kind: .quantity, units: heartRateUnits),
        HealthKitType(name: "walkingHeartRateAverage", metric: .walkingHeartRate, kind: .quantity, units: heartRateUnits),
        HealthKitType(name: "oxygenSaturation", metric: .bloodOxygen, kind: .oxygenSaturation, units: ["%": .identity]),
        HealthKitType(name: "bodyTemperature", metric: .bodyTemperature, kind: .bodyTemperature, units: ["degC": .identity, "degF": .fahrenheitToCelsius]),
        HealthKitType(name: "respiratoryRate", metric: .respiratoryRate, kind: .quantity, units: ["count/min": .identity, "count/s": .multiply(60)]),
        HealthKitType(name: "bloodPressureSystolic", metric: .bloodPressureSystolic, kind: .quantity, units: ["mmHg": .identity]),
        HealthKitType(name: "bloodPressureDiastolic", metric: .bloodPressureDiastolic, kind: .quantity, units: ["mmHg": .identity]),
        HealthKitType(name: "activeEnergyBurned", metric: .activeCalories, kind: .quantity, units: ["kcal": .identity, "Cal": .identity, "kJ": .divide(4.184)]),
        HealthKitType(name: "stepCount", metric: .steps, kind: .quantity, units: ["count": .identity]),
        HealthKitType(name: "distanceWalkingRunning", metric: .distanceMeters, kind: .quantity, units: ["m": .identity, "km": .multiply(1000), "mi": .multiply(1609.344)]),
        HealthKitType(name: "flightsClimbed", metric: .flightsClimbed, kind: .quantity, units: ["count": .identity]),
        HealthKitType(name: "appleExerciseTime", metric: .exerciseMinutes, kind: .quantity, units: durationUnits),
        HealthKitType(name: "appleStandTime", metric: .standMinutes, kind: .quantity, units: durationUnits),
        HealthKitType(name: "sleepAnalysis", metric: .sleepState, kind: .sleep, units: [:]),
        HealthKitType(name: "mindfulSession", metric: .mindfulMinutes, kind: .mindful, units: durationUnits),
    ]

    private static let byLowercasedName: [String: HealthKitType] = Dictionary(uniqueKeysWithValues: all.map { ($0.name.lowercased(), $0) })

    private static let identifierPrefixes = ["hkquantitytypeidentifier", "hkcategorytypeidentifier"]

    /// The names as senders spell them, looked up before anything is lowercased.
    private static let byExactName: [String: HealthKitType] = Dictionary(uniqueKeysWithValues: all.flatMap { type in
        let capitalized = type.name.prefix(1).uppercased() + type.name.dropFirst()
        return [(type.name, type), ("HKQuantityTypeIdentifier" + capitalized, type), ("HKCategoryTypeIdentifier" + capitalized, type)]
    })

    /// A short name or a full `HKQuantityTypeIdentifier…` /
    /// `HKCategoryTypeIdentifier…` identifier, case-insensitively.
    static func named(_ name: String) -> HealthKitType? {
        if let type = byExactName[name] { return type }
        var lowered = name.lowercased()
        for prefix in identifierPrefixes where lowered.hasPrefix(prefix) {
            lowered.removeFirst(prefix.count)
            break
        }
        return byLowercasedName[lowered]
    }
}
