/// Where the readings of a fetched Oura or WHOOP record are.
struct ProviderRecordLayout: Sendable {
    enum TimeField: Sendable {
        /// A timestamp string or epoch number.
        case instant(String)
        /// `YYYY-MM-DD`, dated 00:00 UTC.
        case day(String)
    }

    struct Field: Sendable {
        /// Dotted path into the record, e.g. `score.hrv_rmssd_milli`.
        let path: String
        let metric: Metric
        let conversion: UnitConversion
    }

    let dataType: String
    let time: TimeField
    let fields: [Field]

    private static let secondsToMinutes = UnitConversion.divide(60)
    private static let millisecondsToMinutes = UnitConversion.divide(60_000)

    static let oura: [ProviderRecordLayout] = [
        ProviderRecordLayout(dataType: "sleep", time: .instant("bedtime_end"), fields: [
            Field(path: "average_hrv", metric: .hrvRMSSD, conversion: .identity),
            Field(path: "average_heart_rate", metric: .heartRate, conversion: .identity),
            Field(path: "lowest_heart_rate", metric: .restingHeartRate, conversion: .identity),
            Field(path: "average_breath", metric: .respiratoryRate, conversion: .identity),
            Field(path: "total_sleep_duration", metric: .totalSleepMinutes, conversion: secondsToMinutes),
            Field(path: "deep_sleep_duration", metric: .deepSleepMinutes, conversion: secondsToMinutes),
            Field(path: "rem_sleep_duration", metric: .remSleepMinutes, conversion: secondsToMinutes),
            Field(path: "light_sleep_duration", metric: .lightSleepMinutes, conversion: secondsToMinutes),
            Field(path: "awake_time", metric: .awakeMinutes, conversion: secondsToMinutes),
        ]),
        ProviderRecordLayout(dataType: "daily_readiness", time: .day("day"), fields: [
            Field(path: "score", metric: .recoveryScore, conversion: .identity),
            Field(path: "temperature_deviation", metric: .temperatureDeviation, conversion: .identity),
        ]),
        ProviderRecordLayout(dataType: "daily_sleep", time: .day("day"), fields: [
            Field(path: "score", metric: .sleepScore, conversion: .identity),
        ]),
    ]

    static let whoop: [ProviderRecordLayout] = [
        ProviderRecordLayout(dataType: "recovery", time: .instant("created_at"), fields: [
            Field(path: "score.recovery_score", metric: .recoveryScore, conversion: .identity),
            Field(path: "score.hrv_rmssd_milli", metric: .hrvRMSSD, conversion: .identity),
            Field(path: "score.resting_heart_rate", metric: .restingHeartRate, conversion: .identity),
            Field(path: "score.spo2_percentage", metric: .bloodOxygen, conversion: .identity),
        ]),
        ProviderRecordLayout(dataType: "sleep", time: .instant("end"), fields: [
            Field(path: "score.stage_summary.total_light_sleep_time_milli", metric: .lightSleepMinutes, conversion: millisecondsToMinutes),
            Field(path: "score.stage_summary.total_slow_wave_sleep_time_milli", metric: .deepSleepMinutes, conversion: millisecondsToMinutes),
            Field(path: "score.stage_summary.total_rem_sleep_time_milli", metric: .remSleepMinutes, conversion: millisecondsToMinutes),
            Field(path: "score.stage_summary.total_awake_time_milli", metric: .awakeMinutes, conversion: millisecondsToMinutes),
            Field(path: "score.respiratory_rate", metric: .respiratoryRate, conversion: .identity),
        ]),
    ]

    /// The record type from the envelope's `data_type`, or else from the
    /// record's shape.
    static func layout(for provider: Provider, dataType: String?, record: JSONValue) -> ProviderRecordLayout? {
        switch provider {
        case .oura:
            let type = dataType ?? (record["bedtime_end"] != nil ? "sleep" : record["temperature_deviation"] != nil ? "daily_readiness" : "daily_sleep")
            return oura.first { $0.dataType == type }
        case .whoop:
            let type = dataType ?? (record["end"] != nil ? "sleep" : "recovery")
            return whoop.first { $0.dataType == type }
        default:
            return nil
        }
    }
}
