/// The file's keys, each bound to its field, with the rule it must obey. One
/// table serves loading, validation and the canonical listing behind
/// `config_version`, so a key cannot be added to one and forgotten in another.
enum ConfigurationSchema {
    enum Rule {
        /// ≥ 0.
        case nonNegative
        /// > 0 (divisors, half-lives, windows).
        case positive
        /// 0…1 (confidences, factors, shares).
        case fraction
        /// A whole number ≥ 0.
        case count
        /// A whole number ≥ 1.
        case positiveCount

        var defaultMaximum: Double {
            switch self {
            case .fraction: 1
            case .count, .positiveCount: Maximum.count
            case .nonNegative, .positive: Maximum.value
            }
        }
    }

    /// Upper bounds, so that a file that validates can never make the
    /// process trap later: times become nanoseconds in an `Int64`, counts
    /// size arrays and the stored state, and a user's state stays small.
    enum Maximum {
        /// Any biometric threshold, factor, default or divisor.
        static let value: Double = 1_000_000
        /// A day, for the future skew a sender's clock may have.
        static let skewSeconds: Double = 86_400
        /// A year, for cooldowns and freshness.
        static let seconds: Double = 31_536_000
        /// Ten years, for half-lives and pattern windows.
        static let days: Double = 3_650
        /// An hour between checkpoints.
        static let checkpointSeconds: Double = 3_600
        /// Entries a user's state keeps per list (history, identities, pattern times).
        static let stateEntries: Double = 1_000
        /// Readings before a baseline counts, indicators, factors.
        static let count: Double = 1_000_000
        /// Users changed before a checkpoint is forced.
        static let dirtyUsers: Double = 10_000_000
        /// Epoch numbers above this are milliseconds; 10^15 ms is the year 33658.
        static let epochMsAbove: Double = 1e15
    }

    /// Key paths are immutable values; they are shared across threads safely.
    struct Field: @unchecked Sendable {
        let group: String
        let key: String
        let path: WritableKeyPath<BridgeConfiguration, Double>
        let rule: Rule
        let maximum: Double

        init(group: String, key: String, path: WritableKeyPath<BridgeConfiguration, Double>, rule: Rule, maximum: Double? = nil) {
            self.group = group
            self.key = key
            self.path = path
            self.rule = rule
            self.maximum = maximum ?? rule.defaultMaximum
        }
    }

    typealias C = BridgeConfiguration

    static let fields: [Field] = [
        Field(group: "thresholds", key: "hrv_drop_ms", path: \C.thresholds.hrvDropMs, rule: .nonNegative),
        Field(group: "thresholds", key: "hrv_drop_percentage", path: \C.thresholds.hrvDropPercentage, rule: .nonNegative),
        Field(group: "thresholds", key: "heart_rate_elevated", path: \C.thresholds.heartRateElevated, rule: .nonNegative),
        Field(group: "thresholds", key: "heart_rate_elevation", path: \C.thresholds.heartRateElevation, rule: .nonNegative),
        Field(group: "thresholds", key: "stress_level_high", path: \C.thresholds.stressLevelHigh, rule: .fraction),
        Field(group: "thresholds", key: "stress_level_critical", path: \C.thresholds.stressLevelCritical, rule: .fraction),
        Field(group: "thresholds", key: "recovery_score_low", path: \C.thresholds.recoveryScoreLow, rule: .nonNegative),
        Field(group: "thresholds", key: "recovery_score_moderate", path: \C.thresholds.recoveryScoreModerate, rule: .nonNegative),
        Field(group: "thresholds", key: "mode_switch_cooldown_seconds", path: \C.thresholds.modeSwitchCooldownSeconds, rule: .nonNegative, maximum: Maximum.seconds),
        Field(group: "thresholds", key: "cooldown_factor", path: \C.thresholds.cooldownFactor, rule: .fraction),
        Field(group: "thresholds", key: "min_confidence", path: \C.thresholds.minConfidence, rule: .fraction),

        Field(group: "baselines", key: "hrv_default", path: \C.baselines.hrvDefault, rule: .positive),
        Field(group: "baselines", key: "heart_rate_default", path: \C.baselines.heartRateDefault, rule: .positive),
        Field(group: "baselines", key: "recovery_score_default", path: \C.baselines.recoveryScoreDefault, rule: .nonNegative),
        Field(group: "baselines", key: "min_samples", path: \C.baselines.minSamples, rule: .count),
        Field(group: "baselines", key: "half_life_days", path: \C.baselines.halfLifeDays, rule: .positive, maximum: Maximum.days),

        Field(group: "stress", key: "hrv_cap", path: \C.stress.hrvCap, rule: .nonNegative),
        Field(group: "stress", key: "hr_cap", path: \C.stress.hrCap, rule: .nonNegative),
        Field(group: "stress", key: "hr_divisor", path: \C.stress.hrDivisor, rule: .positive),
        Field(group: "stress", key: "hr_moderate", path: \C.stress.hrModerate, rule: .nonNegative),
        Field(group: "stress", key: "hr_moderate_contribution", path: \C.stress.hrModerateContribution, rule: .nonNegative),
        Field(group: "stress", key: "recovery_low_contribution", path: \C.stress.recoveryLowContribution, rule: .nonNegative),
        Field(group: "stress", key: "recovery_moderate_contribution", path: \C.stress.recoveryModerateContribution, rule: .nonNegative),
        Field(group: "stress", key: "scale", path: \C.stress.scale, rule: .nonNegative),

        Field(group: "anomalies", key: "high_hrv_factor", path: \C.anomalies.highHrvFactor, rule: .nonNegative),
        Field(group: "anomalies", key: "high_hr", path: \C.anomalies.highHr, rule: .nonNegative),
        Field(group: "anomalies", key: "low_hrv", path: \C.anomalies.lowHrv, rule: .nonNegative),
        Field(group: "anomalies", key: "low_hr", path: \C.anomalies.lowHr, rule: .nonNegative),
        Field(group: "anomalies", key: "extreme_hrv_drop_percentage", path: \C.anomalies.extremeHrvDropPercentage, rule: .nonNegative),
        Field(group: "anomalies", key: "extreme_hr_elevation", path: \C.anomalies.extremeHrElevation, rule: .nonNegative),

        Field(group: "patterns", key: "low_hrv_margin", path: \C.patterns.lowHrvMargin, rule: .nonNegative),
        Field(group: "patterns", key: "low_hrv_min_events", path: \C.patterns.lowHrvMinEvents, rule: .positiveCount, maximum: Maximum.stateEntries),
        Field(group: "patterns", key: "low_hrv_window_days", path: \C.patterns.lowHrvWindowDays, rule: .positive, maximum: Maximum.days),
        Field(group: "patterns", key: "low_recovery", path: \C.patterns.lowRecovery, rule: .nonNegative),
        Field(group: "patterns", key: "low_recovery_min_events", path: \C.patterns.lowRecoveryMinEvents, rule: .positiveCount, maximum: Maximum.stateEntries),
        Field(group: "patterns", key: "low_recovery_window_days", path: \C.patterns.lowRecoveryWindowDays, rule: .positive, maximum: Maximum.days),

        Field(group: "reflex", key: "hrv_drop_divisor", path: \C.reflex.hrvDropDivisor, rule: .positive),
        Field(group: "reflex", key: "hr_offset", path: \C.reflex.hrOffset, rule: .nonNegative),
        Field(group: "reflex", key: "hr_divisor", path: \C.reflex.hrDivisor, rule: .positive),
        Field(group: "reflex", key: "min_confidence", path: \C.reflex.minConfidence, rule: .fraction),
        Field(group: "reflex", key: "max_confidence", path: \C.reflex.maxConfidence, rule: .fraction),

        Field(group: "guardian", key: "low_hrv", path: \C.guardian.lowHrv, rule: .nonNegative),
        Field(group: "guardian", key: "high_hr", path: \C.guardian.highHr, rule: .nonNegative),
        Field(group: "guardian", key: "min_indicators", path: \C.guardian.minIndicators, rule: .count),
        Field(group: "guardian", key: "hrv_confidence_below", path: \C.guardian.hrvConfidenceBelow, rule: .nonNegative),
        Field(group: "guardian", key: "hrv_weight", path: \C.guardian.hrvWeight, rule: .nonNegative),
        Field(group: "guardian", key: "stress_weight", path: \C.guardian.stressWeight, rule: .nonNegative),
        Field(group: "guardian", key: "cap", path: \C.guardian.cap, rule: .fraction),

        Field(group: "candidates", key: "pattern", path: \C.candidates.pattern, rule: .fraction),
        Field(group: "candidates", key: "hypothesis", path: \C.candidates.hypothesis, rule: .fraction),
        Field(group: "candidates", key: "recovered", path: \C.candidates.recovered, rule: .fraction),
        Field(group: "candidates", key: "recovered_share", path: \C.candidates.recoveredShare, rule: .fraction),

        Field(group: "borderline", key: "factor", path: \C.borderline.factor, rule: .nonNegative),
        Field(group: "borderline", key: "min_factors", path: \C.borderline.minFactors, rule: .count),

        Field(group: "ingest", key: "future_skew_seconds", path: \C.ingest.futureSkewSeconds, rule: .nonNegative, maximum: Maximum.skewSeconds),
        Field(group: "ingest", key: "fahrenheit_above", path: \C.ingest.fahrenheitAbove, rule: .nonNegative),
        Field(group: "ingest", key: "epoch_ms_above", path: \C.ingest.epochMsAbove, rule: .positive, maximum: Maximum.epochMsAbove),
        Field(group: "ingest", key: "confidence_apple_watch", path: \C.ingest.confidenceAppleWatch, rule: .fraction),
        Field(group: "ingest", key: "confidence_iphone", path: \C.ingest.confidenceIphone, rule: .fraction),
        Field(group: "ingest", key: "confidence_other", path: \C.ingest.confidenceOther, rule: .fraction),
        Field(group: "ingest", key: "canonical_confidence", path: \C.ingest.canonicalConfidence, rule: .fraction),

        Field(group: "state", key: "max_mode_history", path: \C.state.maxModeHistory, rule: .positiveCount, maximum: Maximum.stateEntries),
        Field(group: "state", key: "dedup_max_ids", path: \C.state.dedupMaxIds, rule: .positiveCount, maximum: Maximum.stateEntries),

        Field(group: "significant_change", key: "hrv_ms", path: \C.significantChange.hrvMs, rule: .nonNegative),
        Field(group: "significant_change", key: "heart_rate_bpm", path: \C.significantChange.heartRateBpm, rule: .nonNegative),
        Field(group: "significant_change", key: "stress", path: \C.significantChange.stress, rule: .nonNegative),

        Field(group: "checkpoint", key: "interval_seconds", path: \C.checkpoint.intervalSeconds, rule: .positive, maximum: Maximum.checkpointSeconds),
        Field(group: "checkpoint", key: "max_dirty_users", path: \C.checkpoint.maxDirtyUsers, rule: .positiveCount, maximum: Maximum.dirtyUsers),
    ]

    /// Groups whose keys are metric names rather than fields.
    static let freshnessGroup = "freshness"
    static let validationGroup = "validation"
    static let freshnessDefaultKey = "default"

    static var groups: Set<String> { Set(fields.map(\.group)).union([freshnessGroup, validationGroup]) }

    static func check(_ value: Double, _ rule: Rule, maximum: Double, name: String) throws(ConfigurationError) {
        let whole = value == value.rounded()
        guard value <= maximum else { throw ConfigurationError("\(name) must be at most \(JSONWriter.number(maximum)) (got \(value))") }
        switch rule {
        case .nonNegative where value < 0:
            throw ConfigurationError("\(name) must not be negative (got \(value))")
        case .positive where value <= 0:
            throw ConfigurationError("\(name) must be greater than 0 (got \(value))")
        case .fraction where !(0...1).contains(value):
            throw ConfigurationError("\(name) must be between 0 and 1 (got \(value))")
        case .count where value < 0 || !whole:
            throw ConfigurationError("\(name) must be a whole number ≥ 0 (got \(value))")
        case .positiveCount where value < 1 || !whole:
            throw ConfigurationError("\(name) must be a whole number ≥ 1 (got \(value))")
        default:
            return
        }
    }

    /// Relations between keys: a minimum may not exceed its maximum.
    static func checkRelations(_ configuration: BridgeConfiguration) throws(ConfigurationError) {
        if configuration.reflex.minConfidence > configuration.reflex.maxConfidence {
            throw ConfigurationError("reflex.min_confidence (\(configuration.reflex.minConfidence)) is above reflex.max_confidence (\(configuration.reflex.maxConfidence))")
        }
        if configuration.thresholds.stressLevelHigh > configuration.thresholds.stressLevelCritical {
            throw ConfigurationError("thresholds.stress_level_high is above thresholds.stress_level_critical")
        }
        if configuration.thresholds.recoveryScoreLow > configuration.thresholds.recoveryScoreModerate {
            throw ConfigurationError("thresholds.recovery_score_low is above thresholds.recovery_score_moderate")
        }
    }

    /// `group.key=value` lines in a fixed order: what `config_version` hashes.
    static func canonicalListing(of configuration: BridgeConfiguration) -> String {
        var lines = fields.map { "\($0.group).\($0.key)=\(JSONWriter.number(configuration[keyPath: $0.path]))" }
        for metric in Metric.allCases {
            lines.append("\(freshnessGroup).\(metric.name)=\(JSONWriter.number(configuration.freshness(of: metric)))")
            let range = configuration.validRange(of: metric)
            lines.append("\(validationGroup).\(metric.name)=[\(JSONWriter.number(range.lowerBound)),\(JSONWriter.number(range.upperBound))]")
        }
        return lines.joined(separator: "\n")
    }
}
