/// The one-byte codes the state encoding stores enumerations by. A code is a
/// position in its table: append new cases, never reorder or remove, so a
/// stored state keeps its meaning whatever order the enumerations declare.
enum StateCodes {
    struct Table<Value: Hashable & Sendable>: Sendable {
        let values: [Value]
        private let codes: [Value: UInt8]

        init(_ values: [Value]) {
            self.values = values
            codes = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($0.element, UInt8($0.offset)) })
        }

        func code(of value: Value) -> UInt8 { codes[value]! }

        func value(of code: UInt8) -> Value? { Int(code) < values.count ? values[Int(code)] : nil }
    }

    static let modes = Table<CognitiveMode>([.pattern, .reflex, .guardian, .hypothesis])

    static let reasons = Table<ReasonCode>([
        .hrvDrop, .heartRateElevated, .criticalStress, .extremeAnomaly, .lowRecovery, .depletionIndicators, .recurringPattern,
        .anomaly, .returnedToBaseline,
    ])

    static let metrics = Table<Metric>([
        .heartRate, .restingHeartRate, .walkingHeartRate,
        .hrvSDNN, .hrvRMSSD,
        .bloodOxygen, .bodyTemperature, .temperatureDeviation, .respiratoryRate,
        .bloodPressureSystolic, .bloodPressureDiastolic,
        .activeCalories, .steps, .distanceMeters, .flightsClimbed, .exerciseMinutes, .standMinutes,
        .sleepState, .mindfulMinutes,
        .stressLevel, .recoveryScore, .sleepScore,
        .totalSleepMinutes, .deepSleepMinutes, .remSleepMinutes, .lightSleepMinutes, .awakeMinutes,
    ])
}
