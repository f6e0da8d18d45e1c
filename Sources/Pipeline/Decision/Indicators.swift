/// What the current readings of a user's view say at `now`: HRV
/// against its baseline, heart rate against its own, stress (read or
/// derived), recovery, anomalies and recurring patterns.
struct Indicators {
    var hrv: Double?
    var hrvBaseline = 0.0
    var hrvDrop = 0.0
    var hrvDropPercentage = 0.0
    var hrvSignificant = false

    var heartRate: Double?
    var heartRateElevation = 0.0
    var heartRateElevated = false

    var recovery: Double?

    /// The stress level: the current reading if there is one, else derived.
    var stress = 0.0
    /// Stress counts as an indicator when read, or when any of HRV, heart
    /// rate or recovery is current.
    var stressIsIndicator = false
    var stressHigh = false
    var stressCritical = false

    var anomaly = false
    var extremeAnomaly = false
    var pattern = false

    init(state: UserState, now: Timestamp, configuration: BridgeConfiguration) {
        let thresholds = configuration.thresholds
        let baselines = configuration.baselines

        func current(_ metric: Metric) -> Double? {
            guard let entry = state.view[metric.rawValue] else { return nil }
            let age = now.nanoseconds - entry.time.nanoseconds
            return Double(age) < configuration.freshness[metric.rawValue] * 1e9 ? entry.value : nil
        }

        // HRV is RMSSD when current, else SDNN; each against its own baseline.
        let hrvMetric: Metric? = current(.hrvRMSSD) != nil ? .hrvRMSSD : current(.hrvSDNN) != nil ? .hrvSDNN : nil
        if let hrvMetric, let value = current(hrvMetric) {
            hrv = value
            hrvBaseline = state.baselines[hrvMetric.rawValue].value(minSamples: baselines.minSamples, fallback: baselines.hrvDefault)
            hrvDrop = max(0, hrvBaseline - value)
            hrvDropPercentage = hrvBaseline > 0 ? hrvDrop / hrvBaseline * 100 : 0
            hrvSignificant = hrvDrop > thresholds.hrvDropMs || hrvDropPercentage > thresholds.hrvDropPercentage
        }

        if let value = current(.heartRate) {
            heartRate = value
            let baseline = state.baselines[Metric.heartRate.rawValue].value(minSamples: baselines.minSamples, fallback: baselines.heartRateDefault)
            heartRateElevation = max(0, value - baseline)
            heartRateElevated = value > thresholds.heartRateElevated || heartRateElevation > thresholds.heartRateElevation
        }

        recovery = current(.recoveryScore)

        if let reading = current(.stressLevel) {
            stress = reading
            stressIsIndicator = true
        } else {
            stress = Self.derivedStress(
                hrvSignificant: hrvSignificant, hrvDropPercentage: hrvDropPercentage, heartRate: heartRate,
                heartRateElevated: heartRateElevated, heartRateElevation: heartRateElevation, recovery: recovery,
                configuration: configuration)
            stressIsIndicator = hrv != nil || heartRate != nil || recovery != nil
        }
        stressHigh = stressIsIndicator && stress > thresholds.stressLevelHigh
        stressCritical = stressIsIndicator && stress > thresholds.stressLevelCritical

        let anomalies = configuration.anomalies
        if let hrv, let heartRate {
            anomaly = (hrv > anomalies.highHrvFactor * hrvBaseline && heartRate > anomalies.highHr)
                || (hrv < anomalies.lowHrv && heartRate < anomalies.lowHr)
        }
        extremeAnomaly = (hrv != nil && hrvDropPercentage > anomalies.extremeHrvDropPercentage)
            || (heartRate != nil && heartRateElevation > anomalies.extremeHrElevation)
        anomaly = anomaly || extremeAnomaly

        let patterns = configuration.patterns
        pattern = state.lowHrvHours[now.utcHour].holds(
            minEvents: Int(patterns.lowHrvMinEvents), windowSeconds: patterns.lowHrvWindowDays * 86_400, now: now)
            || state.lowRecoveryWeekdays[now.utcWeekday].holds(
                minEvents: Int(patterns.lowRecoveryMinEvents), windowSeconds: patterns.lowRecoveryWindowDays * 86_400, now: now)
    }

    /// 1.5 × the sum of the contributions that apply, capped at 1.
    private static func derivedStress(
        hrvSignificant: Bool, hrvDropPercentage: Double, heartRate: Double?, heartRateElevated: Bool,
        heartRateElevation: Double, recovery: Double?, configuration: BridgeConfiguration
    ) -> Double {
        let weights = configuration.stress
        let thresholds = configuration.thresholds
        var sum = 0.0
        if hrvSignificant { sum += min(weights.hrvCap, hrvDropPercentage / 100) }
        if let heartRate {
            if heartRateElevated {
                sum += min(weights.hrCap, heartRateElevation / weights.hrDivisor)
            } else if heartRate > weights.hrModerate {
                sum += weights.hrModerateContribution
            }
        }
        if let recovery {
            if recovery < thresholds.recoveryScoreLow {
                sum += weights.recoveryLowContribution
            } else if recovery < thresholds.recoveryScoreModerate {
                sum += weights.recoveryModerateContribution
            }
        }
        return min(1, weights.scale * sum)
    }
}
