import Pipeline
import Testing

/// HealthKit batches: every type, every unit rule, every rejection.
struct HealthKitTests {
    let normalizer = Normalizer(configuration: BridgeConfiguration())
    let validator = Validator(configuration: BridgeConfiguration())

    /// Normalises and validates one sample: its reading, or the reason it was rejected.
    func outcome(_ sample: String) -> (reading: Reading?, reason: RejectionReason?) {
        let envelope = Fixtures.healthKit(body: "{\"user_id\":\"user-1\",\"samples\":[\(sample)]}")
        guard case .record(let record) = normalizer.normalize(envelope) else { return (nil, nil) }
        switch validator.validate(record) {
        case .event(let event, _): return (event.readings[0], nil)
        case .noValidReadings(let rejections): return (nil, rejections.first?.reason)
        }
    }

    func reading(_ sample: String) -> Reading? { outcome(sample).reading }

    func value(_ sample: String) -> Double? { reading(sample)?.value }

    func reason(_ sample: String) -> RejectionReason? { outcome(sample).reason }

    static let time = "\"timestamp\":\"2026-11-20T07:00:00Z\""

    @Test(arguments: [
        ("heartRate", Metric.heartRate, 72.0), ("heartRateVariabilitySDNN", .hrvSDNN, 45), ("restingHeartRate", .restingHeartRate, 55),
        ("walkingHeartRateAverage", .walkingHeartRate, 95), ("oxygenSaturation", .bloodOxygen, 97), ("bodyTemperature", .bodyTemperature, 36.8),
        ("respiratoryRate", .respiratoryRate, 14), ("bloodPressureSystolic", .bloodPressureSystolic, 120),
        ("bloodPressureDiastolic", .bloodPressureDiastolic, 80), ("activeEnergyBurned", .activeCalories, 350), ("stepCount", .steps, 8000),
        ("distanceWalkingRunning", .distanceMeters, 5000), ("flightsClimbed", .flightsClimbed, 12), ("appleExerciseTime", .exerciseMinutes, 30),
        ("appleStandTime", .standMinutes, 600), ("sleepAnalysis", .sleepState, 3), ("mindfulSession", .mindfulMinutes, 10),
    ])
    func everyTypeMapsToItsMetric(type: String, metric: Metric, sample: Double) throws {
        let mapped = try #require(reading("{\"type\":\"\(type)\",\"value\":\(JSONWriter.number(sample)),\(Self.time)}"))
        #expect(mapped.metric == metric)
        #expect(mapped.value == sample)
    }

    @Test func fullIdentifiersAndAnyCase() {
        #expect(value("{\"type\":\"HKQuantityTypeIdentifierHeartRate\",\"value\":70,\(Self.time)}") == 70)
        #expect(value("{\"type\":\"HKCategoryTypeIdentifierSleepAnalysis\",\"value\":2,\(Self.time)}") == 2)
        #expect(value("{\"type\":\"HEARTRATE\",\"value\":70,\(Self.time)}") == 70)
        #expect(value("{\"type\":\"hkquantitytypeidentifierheartRATE\",\"value\":70,\(Self.time)}") == 70)
        #expect(reason("{\"type\":\"HKQuantityTypeIdentifierBodyMass\",\"value\":70,\(Self.time)}") == .unsupportedType)
        #expect(reason("{\"value\":70,\(Self.time)}") == .unsupportedType)
        #expect(reason("42") == .unsupportedType)
    }

    @Test func unitsAreHonoured() {
        let cases: [(String, String, Double, Double)] = [
            ("heartRate", "count/min", 70, 70), ("heartRate", "bpm", 70, 70), ("heartRate", "count/s", 1.2, 72),
            ("restingHeartRate", "count/s", 1, 60), ("walkingHeartRateAverage", "bpm", 90, 90),
            ("heartRateVariabilitySDNN", "ms", 45, 45), ("heartRateVariabilitySDNN", "s", 0.045, 45),
            ("oxygenSaturation", "%", 97, 97),
            ("bodyTemperature", "degC", 37, 37), ("bodyTemperature", "degF", 98.6, (98.6 - 32) * 5 / 9),
            ("respiratoryRate", "count/min", 15, 15), ("respiratoryRate", "count/s", 0.25, 15),
            ("bloodPressureSystolic", "mmHg", 120, 120), ("bloodPressureDiastolic", "mmHg", 80, 80),
            ("activeEnergyBurned", "kcal", 100, 100), ("activeEnergyBurned", "Cal", 100, 100), ("activeEnergyBurned", "kJ", 418.4, 100),
            ("stepCount", "count", 10, 10), ("flightsClimbed", "count", 3, 3),
            ("distanceWalkingRunning", "m", 100, 100), ("distanceWalkingRunning", "km", 1.5, 1500), ("distanceWalkingRunning", "mi", 2, 3218.688),
            ("appleExerciseTime", "min", 30, 30), ("appleExerciseTime", "s", 90, 1.5), ("appleExerciseTime", "h", 1, 60),
            ("appleStandTime", "hr", 2, 120), ("mindfulSession", "ms", 120_000, 2),
        ]
        for (type, unit, raw, expected) in cases {
            let converted = value("{\"type\":\"\(type)\",\"value\":\(raw),\"unit\":\"\(unit)\",\(Self.time)}")
            #expect(converted.map { abs($0 - expected) < 1e-9 } == true, "\(type) \(raw) \(unit) → \(String(describing: converted)), expected \(expected)")
        }
    }

    @Test func unknownUnitsAreRejected() {
        #expect(reason("{\"type\":\"heartRate\",\"value\":70,\"unit\":\"Hz\",\(Self.time)}") == .unsupportedUnit)
        #expect(reason("{\"type\":\"heartRate\",\"value\":70,\"unit\":\"BPM\",\(Self.time)}") == .unsupportedUnit, "units match exactly")
        #expect(reason("{\"type\":\"oxygenSaturation\",\"value\":97,\"unit\":\"ratio\",\(Self.time)}") == .unsupportedUnit)
        #expect(reason("{\"type\":\"heartRate\",\"value\":70,\"unit\":7,\(Self.time)}") == .unsupportedUnit)
        #expect(value("{\"type\":\"heartRate\",\"value\":70,\"unit\":null,\(Self.time)}") == 70, "null means absent: canonical unit")
    }

    @Test func oxygenFractionsAreHealthKits() {
        #expect(value("{\"type\":\"oxygenSaturation\",\"value\":0.97,\(Self.time)}") == 97)
        #expect(value("{\"type\":\"oxygenSaturation\",\"value\":0.97,\"unit\":\"%\",\(Self.time)}") == 97)
        #expect(value("{\"type\":\"oxygenSaturation\",\"value\":1,\(Self.time)}") == 100)
        #expect(reason("{\"type\":\"oxygenSaturation\",\"value\":0.5,\(Self.time)}") == .outOfRange)
    }

    @Test func temperatureWithoutUnitAbove45IsFahrenheit() {
        #expect(value("{\"type\":\"bodyTemperature\",\"value\":98.6,\(Self.time)}").map { abs($0 - 37) < 1e-9 } == true)
        #expect(value("{\"type\":\"bodyTemperature\",\"value\":37.2,\(Self.time)}") == 37.2)
        #expect(reason("{\"type\":\"bodyTemperature\",\"value\":98.6,\"unit\":\"degC\",\(Self.time)}") == .outOfRange)
    }

    @Test func sleepValuesAndNames() {
        let names: [(String, Double)] = [
            ("\"InBed\"", 0), ("\"Asleep\"", 1), ("\"AsleepUnspecified\"", 1), ("\"Awake\"", 2), ("\"AsleepCore\"", 3), ("\"Core\"", 3),
            ("\"AsleepDeep\"", 4), ("\"deep\"", 4), ("\"AsleepREM\"", 5), ("\"REM\"", 5),
            ("\"HKCategoryValueSleepAnalysisAwake\"", 2), ("\"hkcategoryvaluesleepanalysisinbed\"", 0), ("4", 4), ("5.0", 5),
        ]
        for (raw, expected) in names {
            #expect(value("{\"type\":\"sleepAnalysis\",\"value\":\(raw),\(Self.time)}") == expected, "\(raw)")
        }
        #expect(value("{\"type\":\"sleepAnalysis\",\"value\":2,\"unit\":\"furlongs\",\(Self.time)}") == 2, "a sleep unit is ignored")
        #expect(reason("{\"type\":\"sleepAnalysis\",\"value\":7,\(Self.time)}") == .outOfRange)
        #expect(reason("{\"type\":\"sleepAnalysis\",\"value\":-1,\(Self.time)}") == .outOfRange)
        #expect(reason("{\"type\":\"sleepAnalysis\",\"value\":2.5,\(Self.time)}") == .invalidValue)
        #expect(reason("{\"type\":\"sleepAnalysis\",\"value\":\"Dozing\",\(Self.time)}") == .invalidValue)
        #expect(reason("{\"type\":\"sleepAnalysis\",\"value\":\"2\",\(Self.time)}") == .invalidValue)
        #expect(reason("{\"type\":\"sleepAnalysis\",\(Self.time)}") == .invalidValue)
    }

    @Test func mindfulSessionsFromStartAndEnd() throws {
        let session = try #require(reading("{\"type\":\"mindfulSession\",\"start\":\"2026-11-20T07:00:00Z\",\"end\":\"2026-11-20T07:12:30Z\"}"))
        #expect(session.value == 12.5)
        #expect(session.timestamp == TimestampParser.parse("2026-11-20T07:00:00Z"))
        #expect(reason("{\"type\":\"mindfulSession\",\"start\":\"2026-11-20T07:10:00Z\",\"end\":\"2026-11-20T07:00:00Z\"}") == .invalidValue)
        #expect(reason("{\"type\":\"mindfulSession\",\"start\":\"yesterday\",\"end\":\"2026-11-20T07:00:00Z\"}") == .malformedTimestamp)
        #expect(reason("{\"type\":\"mindfulSession\",\(Self.time)}") == .invalidValue)
    }

    @Test func timestampForms() {
        let forms = [
            "\"2026-11-20T07:00:00.123Z\"", "\"2024-02-06 14:30:00 -0800\"", "\"2025-01-27 10:30:00\"", "\"2026-11-20T07:00:00+01:00\"",
            "\"2026-11-20T07:00:00.123456789Z\"", "1763622000", "1763622000000", "\"2026-11-20 07:00:00 Z\"",
        ]
        for form in forms {
            #expect(value("{\"type\":\"heartRate\",\"value\":70,\"timestamp\":\(form)}") == 70, "\(form)")
        }
        let bad = [
            "\"1763622000\"", "\"2026-11-20\"", "\"2026-11-20t07:00:00Z\"", "\"2026-11-20T07:00:00z\"", "\"2026-02-30T07:00:00Z\"",
            "\"2026-11-20T24:00:00Z\"", "\"2026-11-20T07:00:00.Z\"", "\"2026-11-20T07:00:00.1234567890Z\"", "\"2026-11-20T07:00:00 \"",
            "\"2026-11-20T07:00:00+2:00\"", "\"yesterday\"", "true", "null", "{}",
        ]
        for form in bad {
            #expect(reason("{\"type\":\"heartRate\",\"value\":70,\"timestamp\":\(form)}") == .malformedTimestamp, "\(form)")
        }
        #expect(reason("{\"type\":\"heartRate\",\"value\":70}") == .malformedTimestamp)
    }

    @Test func futureIsJudgedAgainstReceivedAt() {
        // received 08:00; 08:05 is allowed, 08:05:01 is not.
        #expect(value("{\"type\":\"heartRate\",\"value\":70,\"timestamp\":\"2026-11-20T08:05:00Z\"}") == 70)
        #expect(reason("{\"type\":\"heartRate\",\"value\":70,\"timestamp\":\"2026-11-20T08:05:01Z\"}") == .futureTimestamp)
    }

    @Test func checksRunInOrder() {
        // type, unit, value, timestamp, future, range: the first failure names the reason.
        #expect(reason("{\"type\":\"x\",\"unit\":\"Hz\",\"value\":\"a\"}") == .unsupportedType)
        #expect(reason("{\"type\":\"heartRate\",\"unit\":\"Hz\",\"value\":\"a\"}") == .unsupportedUnit)
        #expect(reason("{\"type\":\"heartRate\",\"value\":\"a\",\"timestamp\":\"bad\"}") == .invalidValue)
        #expect(reason("{\"type\":\"heartRate\",\"value\":999,\"timestamp\":\"bad\"}") == .malformedTimestamp)
        #expect(reason("{\"type\":\"heartRate\",\"value\":999,\"timestamp\":\"2030-01-01T00:00:00Z\"}") == .futureTimestamp)
        #expect(reason("{\"type\":\"heartRate\",\"value\":999,\(Self.time)}") == .outOfRange)
        #expect(reason("{\"type\":\"heartRate\",\"value\":true,\(Self.time)}") == .invalidValue)
    }

    @Test func confidenceFromSource() throws {
        let watch = try #require(reading("{\"type\":\"heartRate\",\"value\":70,\"source\":\"Ann's Apple Watch\",\(Self.time)}"))
        let phone = try #require(reading("{\"type\":\"heartRate\",\"value\":70,\"source\":\"iPhone 15\",\(Self.time)}"))
        let other = try #require(reading("{\"type\":\"heartRate\",\"value\":70,\"source\":\"Polar H10\",\(Self.time)}"))
        let none = try #require(reading("{\"type\":\"heartRate\",\"value\":70,\(Self.time)}"))
        #expect([watch.confidence, phone.confidence, other.confidence, none.confidence] == [1.0, 0.8, 0.7, 0.7])
        let shouted = try #require(reading("{\"type\":\"heartRate\",\"value\":70,\"source\":\"APPLE WATCH Ultra\",\(Self.time)}"))
        let trailing = try #require(reading("{\"type\":\"heartRate\",\"value\":70,\"source\":\"Zoë's iphone\",\(Self.time)}"))
        let partial = try #require(reading("{\"type\":\"heartRate\",\"value\":70,\"source\":\"Apple Wat\",\(Self.time)}"))
        #expect([shouted.confidence, trailing.confidence, partial.confidence] == [1.0, 0.8, 0.7])
    }

    @Test func oneBadSampleNeverFailsTheBatch() throws {
        let body = """
            {"user_id":"user-1","samples":[
              {"type":"heartRate","value":70,"timestamp":"2026-11-20T07:00:00Z"},
              {"type":"bodyMass","value":70,"timestamp":"2026-11-20T07:00:00Z"},
              {"type":"heartRate","value":700,"timestamp":"2026-11-20T07:01:00Z"},
              {"type":"heartRate","value":71,"timestamp":"2026-11-20T06:59:00Z"}
            ]}
            """
        guard case .record(let record) = normalizer.normalize(Fixtures.healthKit(body: body)),
              case .event(let event, let rejections) = validator.validate(record) else {
            Issue.record("the batch failed")
            return
        }
        #expect(event.readings.map(\.value) == [71, 70], "valid samples in time order")
        #expect(event.timestamp == TimestampParser.parse("2026-11-20T07:00:00Z"), "timed at the latest valid reading")
        #expect(rejections.map(\.description) == ["1:unsupported_type", "2:out_of_range"])
    }

    @Test func arraysOfPushesIndexSamplesAsPushDotSample() {
        let body = """
            [{"user_id":"user-1","samples":[{"type":"heartRate","value":70,"timestamp":"2026-11-20T07:00:00Z"}]},
             {"user_id":"user-1","samples":[{"type":"heartRate","value":71,"timestamp":"2026-11-20T07:01:00Z"},{"type":"nope"},{"type":"nope"},{"type":"nope"}]}]
            """
        guard case .record(let record) = normalizer.normalize(Fixtures.healthKit(body: body)) else {
            Issue.record("not a record")
            return
        }
        #expect(record.candidates.map(\.index) == ["0.0", "1.0"])
        #expect(record.rejections.map(\.description) == ["1.1:unsupported_type", "1.2:unsupported_type", "1.3:unsupported_type"])
    }

    @Test func malformedBodies() {
        for body in ["[]", "{\"user_id\":\"user-1\"}", "\"text\"", "{\"samples\":{}}", "[{\"samples\":[]}, 3]", "{not json"] {
            guard case .failure(let reason, _) = normalizer.normalize(Fixtures.healthKit(body: body)) else {
                Issue.record("\(body) was accepted")
                continue
            }
            #expect(reason == .malformedBody, "\(body)")
        }
        guard case .record(let record) = normalizer.normalize(Fixtures.healthKit(body: "{\"samples\":[]}")) else { return }
        #expect(validator.validate(record) == .noValidReadings(rejections: []))
    }
}
