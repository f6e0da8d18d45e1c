/// Every number of validation and decision, grouped as in
/// `config/biometric_thresholds.yaml`; the defaults are the product's. Nothing
/// in the pipeline hard-codes a threshold: it reads it from here.
public struct BridgeConfiguration: Sendable, Equatable {
    public struct Thresholds: Sendable, Equatable {
        public var hrvDropMs = 25.0
        public var hrvDropPercentage = 30.0
        public var heartRateElevated = 100.0
        public var heartRateElevation = 20.0
        public var stressLevelHigh = 0.7
        public var stressLevelCritical = 0.85
        public var recoveryScoreLow = 40.0
        public var recoveryScoreModerate = 60.0
        public var modeSwitchCooldownSeconds = 300.0
        public var cooldownFactor = 0.7
        public var minConfidence = 0.5
    }

    public struct Baselines: Sendable, Equatable {
        public var hrvDefault = 60.0
        public var heartRateDefault = 70.0
        public var recoveryScoreDefault = 75.0
        public var minSamples = 10.0
        public var halfLifeDays = 7.0
    }

    public struct Stress: Sendable, Equatable {
        public var hrvCap = 0.5
        public var hrCap = 0.3
        public var hrDivisor = 50.0
        public var hrModerate = 90.0
        public var hrModerateContribution = 0.2
        public var recoveryLowContribution = 0.3
        public var recoveryModerateContribution = 0.1
        public var scale = 1.5
    }

    public struct Anomalies: Sendable, Equatable {
        public var highHrvFactor = 1.5
        public var highHr = 90.0
        public var lowHrv = 20.0
        public var lowHr = 50.0
        public var extremeHrvDropPercentage = 50.0
        public var extremeHrElevation = 40.0
    }

    public struct Patterns: Sendable, Equatable {
        public var lowHrvMargin = 15.0
        public var lowHrvMinEvents = 5.0
        public var lowHrvWindowDays = 30.0
        public var lowRecovery = 50.0
        public var lowRecoveryMinEvents = 3.0
        public var lowRecoveryWindowDays = 56.0
    }

    public struct Reflex: Sendable, Equatable {
        public var hrvDropDivisor = 30.0
        public var hrOffset = 90.0
        public var hrDivisor = 30.0
        public var minConfidence = 0.5
        public var maxConfidence = 1.0
    }

    public struct Guardian: Sendable, Equatable {
        public var lowHrv = 30.0
        public var highHr = 80.0
        public var minIndicators = 2.0
        public var hrvConfidenceBelow = 40.0
        public var hrvWeight = 0.3
        public var stressWeight = 0.5
        public var cap = 0.9
    }

    public struct Candidates: Sendable, Equatable {
        public var pattern = 0.7
        public var hypothesis = 0.6
        public var recovered = 0.8
        public var recoveredShare = 0.8
    }

    public struct Borderline: Sendable, Equatable {
        public var factor = 0.9
        public var minFactors = 2.0
    }

    public struct Ingest: Sendable, Equatable {
        public var futureSkewSeconds = 300.0
        public var fahrenheitAbove = 45.0
        public var epochMsAbove = 1e11
        public var confidenceAppleWatch = 1.0
        public var confidenceIphone = 0.8
        public var confidenceOther = 0.7
        public var canonicalConfidence = 1.0
    }

    public struct StateLimits: Sendable, Equatable {
        public var maxModeHistory = 50.0
        public var dedupMaxIds = 64.0
    }

    public struct SignificantChange: Sendable, Equatable {
        public var hrvMs = 5.0
        public var heartRateBpm = 10.0
        public var stress = 0.1
    }

    public struct Checkpoint: Sendable, Equatable {
        public var intervalSeconds = 30.0
        public var maxDirtyUsers = 10_000.0
    }

    public var thresholds = Thresholds()
    public var baselines = Baselines()
    /// Seconds a reading stays current, per metric (`Metric.rawValue`).
    public var freshness: [Double]
    public var stress = Stress()
    public var anomalies = Anomalies()
    public var patterns = Patterns()
    public var reflex = Reflex()
    public var guardian = Guardian()
    public var candidates = Candidates()
    public var borderline = Borderline()
    /// Inclusive valid range per metric (`Metric.rawValue`), canonical units.
    public var validRange: [ClosedRange<Double>]
    public var ingest = Ingest()
    public var state = StateLimits()
    public var significantChange = SignificantChange()
    public var checkpoint = Checkpoint()

    public init() {
        freshness = Metric.allCases.map { Self.defaultFreshness[$0] ?? Self.defaultFreshnessSeconds }
        validRange = Metric.allCases.map { Self.defaultRanges[$0]! }
    }

    public static let defaultFreshnessSeconds = 86_400.0

    static let defaultFreshness: [Metric: Double] = [.heartRate: 600, .hrvRMSSD: 3600, .hrvSDNN: 3600, .stressLevel: 1800]

    static let defaultRanges: [Metric: ClosedRange<Double>] = [
        .heartRate: 20...250, .restingHeartRate: 20...250, .walkingHeartRate: 20...250,
        .hrvSDNN: 0...300, .hrvRMSSD: 0...300,
        .bloodOxygen: 70...100, .bodyTemperature: 35...42, .temperatureDeviation: -10...10, .respiratoryRate: 5...40,
        .bloodPressureSystolic: 70...200, .bloodPressureDiastolic: 40...130,
        .activeCalories: 0...5000, .steps: 0...100_000, .distanceMeters: 0...50_000, .flightsClimbed: 0...1000,
        .exerciseMinutes: 0...1440, .standMinutes: 0...1440, .sleepState: 0...5, .mindfulMinutes: 0...1440,
        .stressLevel: 0...1, .recoveryScore: 0...100, .sleepScore: 0...100,
        .totalSleepMinutes: 0...1440, .deepSleepMinutes: 0...1440, .remSleepMinutes: 0...1440,
        .lightSleepMinutes: 0...1440, .awakeMinutes: 0...1440,
    ]

    public func freshness(of metric: Metric) -> Double { freshness[metric.rawValue] }

    public func validRange(of metric: Metric) -> ClosedRange<Double> { validRange[metric.rawValue] }

    /// Identifies the values in force: the first 12 hex digits of SHA-256 of
    /// their canonical listing. The same values give the same version, from
    /// the file or built in; comments and layout do not count.
    public var version: String {
        String(SHA256Digest.hex(of: Array(ConfigurationSchema.canonicalListing(of: self).utf8)).prefix(12))
    }
}
