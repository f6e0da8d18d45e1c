import Foundation
import Pipeline
import Testing

/// The thresholds file: defaults, versions, refusals with the key named.
struct ConfigurationTests {
    static var shippedFile: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("config/biometric_thresholds.yaml"), encoding: .utf8)
        }
    }

    @Test func theShippedFileHoldsTheDefaults() throws {
        let loaded = try ConfigurationLoader.load(yaml: try Self.shippedFile)
        #expect(loaded == BridgeConfiguration())
        #expect(loaded.version == BridgeConfiguration().version, "same values, same version")
        #expect(loaded.version.count == 12)
    }

    @Test func defaultsMatchTheSpec() {
        let defaults = BridgeConfiguration()
        #expect(defaults.freshness(of: .heartRate) == 600)
        #expect(defaults.freshness(of: .hrvSDNN) == 3600)
        #expect(defaults.freshness(of: .stressLevel) == 1800)
        #expect(defaults.freshness(of: .steps) == 86_400)
        #expect(defaults.validRange(of: .temperatureDeviation) == -10...10)
        #expect(defaults.validRange(of: .bloodOxygen) == 70...100)
    }

    @Test func partialFilesKeepOtherDefaults() throws {
        let loaded = try ConfigurationLoader.load(yaml: "thresholds:\n  heart_rate_elevated: 110\nfreshness:\n  default: 43200\n  heart_rate: 300\n")
        #expect(loaded.thresholds.heartRateElevated == 110)
        #expect(loaded.thresholds.hrvDropMs == 25)
        #expect(loaded.freshness(of: .heartRate) == 300)
        #expect(loaded.freshness(of: .steps) == 43_200)
        #expect(loaded.freshness(of: .hrvRMSSD) == 3600, "the default does not override named metrics")
        #expect(loaded.version != BridgeConfiguration().version)
    }

    @Test(arguments: [
        ("thresholds:\n  hrv_drop_ms: -5\n", "thresholds.hrv_drop_ms"),
        ("thresholds:\n  hrv_drop_mss: 5\n", "thresholds.hrv_drop_mss"),
        ("thresholdz:\n  hrv_drop_ms: 5\n", "thresholdz"),
        ("validation:\n  heart_rate: [250, 20]\n", "validation.heart_rate"),
        ("validation:\n  vo2max: [0, 90]\n", "validation.vo2max"),
        ("validation:\n  heart_rate: [-5, 20]\n", "validation.heart_rate"),
        ("validation:\n  heart_rate: 20\n", "validation.heart_rate"),
        ("freshness:\n  heart_rate: 0\n", "freshness.heart_rate"),
        ("reflex:\n  min_confidence: 0.9\n  max_confidence: 0.6\n", "reflex.min_confidence"),
        ("baselines:\n  min_samples: 2.5\n", "baselines.min_samples"),
        ("thresholds:\n  min_confidence: 1.5\n", "thresholds.min_confidence"),
        ("thresholds:\n  hrv_drop_ms: lots\n", "thresholds.hrv_drop_ms"),
        ("thresholds: [1, 2]\n", "thresholds"),
        ("thresholds:\n  hrv_drop_ms: [\n", "YAML"),
    ])
    func badFilesAreRefusedNamingTheKey(yaml: String, named: String) {
        do {
            _ = try ConfigurationLoader.load(yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.contains(named), "\(error.description)")
        }
    }

    /// Values at their bounds load; one past is refused naming the key.
    /// Without bounds these loaded, and then trapped the process: a window
    /// of 10^9 days overflows nanoseconds, a history of 10^6 switches the codec.
    @Test(arguments: [
        ("patterns", "low_hrv_window_days", 3_650.0), ("baselines", "half_life_days", 3_650),
        ("thresholds", "mode_switch_cooldown_seconds", 31_536_000), ("ingest", "future_skew_seconds", 86_400),
        ("state", "max_mode_history", 1_000), ("state", "dedup_max_ids", 1_000), ("patterns", "low_recovery_min_events", 1_000),
        ("checkpoint", "interval_seconds", 3_600), ("checkpoint", "max_dirty_users", 10_000_000),
        ("ingest", "epoch_ms_above", 1e15), ("thresholds", "hrv_drop_ms", 1_000_000), ("baselines", "min_samples", 1_000_000),
        ("freshness", "heart_rate", 31_536_000),
    ])
    func valuesLoadAtTheirBoundAndAreRefusedPastIt(group: String, key: String, bound: Double) throws {
        _ = try ConfigurationLoader.load(yaml: "\(group):\n  \(key): \(Int64(bound))\n")
        let past = Int64(bound) + 1
        do {
            _ = try ConfigurationLoader.load(yaml: "\(group):\n  \(key): \(past)\n")
            Issue.record("accepted \(group).\(key) = \(past)")
        } catch {
            #expect(error.description.contains("\(group).\(key) must be at most"), "\(error.description)")
        }
    }

    @Test func validationBoundsAreBounded() {
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(yaml: "validation:\n  steps: [0, 2000000]\n") }
    }

    /// The largest windows and cooldowns a file may hold decide without trapping.
    @Test func theLargestValidConfigurationDecides() throws {
        let yaml = """
            thresholds: {mode_switch_cooldown_seconds: 31536000}
            baselines: {half_life_days: 3650, min_samples: 1000000}
            patterns: {low_hrv_window_days: 3650, low_recovery_window_days: 3650, low_hrv_min_events: 1000, low_recovery_min_events: 1000}
            ingest: {future_skew_seconds: 86400, epoch_ms_above: 1000000000000000}
            state: {max_mode_history: 1000, dedup_max_ids: 1000}
            freshness: {default: 31536000, heart_rate: 31536000}
            """
        var scenario = Scenario(configuration: try ConfigurationLoader.load(yaml: yaml))
        for minute in 0..<30 {
            scenario.send(Fixtures.canonical(minutes: Double(minute), [(.heartRate, minute % 2 == 0 ? 150 : 60), (.hrvRMSSD, 20)]))
        }
        #expect(scenario.states["user-1"]?.version == 30)
    }

    @Test func temperatureDeviationMayBeNegative() throws {
        let loaded = try ConfigurationLoader.load(yaml: "validation:\n  temperature_deviation: [-5, 5]\n")
        #expect(loaded.validRange(of: .temperatureDeviation) == -5...5)
    }

    @Test func anEmptyFileIsTheDefaults() throws {
        #expect(try ConfigurationLoader.load(yaml: "# nothing\n") == BridgeConfiguration())
    }

    @Test func thresholdsComeFromTheConfiguration() {
        // The same event decides differently under other thresholds: nothing is hard-coded.
        var lenient = BridgeConfiguration()
        lenient.thresholds.heartRateElevated = 130
        lenient.thresholds.heartRateElevation = 80
        lenient.anomalies.extremeHrElevation = 80
        var strict = Scenario()
        var relaxed = Scenario(configuration: lenient)
        let event = Fixtures.canonical(minutes: 0, [(.heartRate, 105)])
        #expect(strict.switchFor(event)?.newMode == .reflex)
        #expect(relaxed.switchFor(event) == nil)
    }
}
