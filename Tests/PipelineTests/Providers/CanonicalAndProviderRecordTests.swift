import Pipeline
import Testing

/// Canonical events and fetched Oura / WHOOP records.
struct CanonicalAndProviderRecordTests {
    let configuration = BridgeConfiguration()

    func process(_ envelope: Envelope) -> (Normalization, Validator.Outcome?) {
        let normalization = Normalizer(configuration: configuration).normalize(envelope)
        guard case .record(let record) = normalization else { return (normalization, nil) }
        return (normalization, Validator(configuration: configuration).validate(record))
    }

    func canonical(_ body: String, receivedAt: Timestamp = Fixtures.start) -> Envelope {
        Envelope(provider: .canonical, userID: "envelope-user", receivedAt: receivedAt, body: Array(body.utf8))
    }

    @Test func canonicalReadingsInheritTimestampAndConfidence() throws {
        let (_, outcome) = process(canonical("""
            {"event_id":"e1","user_id":"body-user","device_type":"ring","timestamp":"2026-11-20T07:00:00Z",
             "readings":[{"metric":"heart_rate","value":70},{"metric":"hrv_rmssd","value":50,"timestamp":"2026-11-20T07:30:00Z","confidence":0.4}]}
            """))
        guard case .event(let event, let rejections) = outcome else { Issue.record("not an event"); return }
        #expect(rejections.isEmpty)
        #expect(event.userID == "envelope-user", "the envelope's user id wins")
        #expect(event.eventID == "e1")
        #expect(event.deviceType == "ring")
        #expect(event.readings.map(\.confidence) == [1.0, 0.4])
        #expect(event.readings[0].timestamp == TimestampParser.parse("2026-11-20T07:00:00Z"))
        #expect(event.timestamp == TimestampParser.parse("2026-11-20T07:30:00Z"), "the latest of its timestamp and readings")
    }

    @Test func canonicalEventTimeIsNeverBeforeItsOwnTimestamp() {
        let (_, outcome) = process(canonical("""
            {"event_id":"e1","timestamp":"2026-11-20T07:00:00Z","readings":[{"metric":"steps","value":5,"timestamp":"2026-11-20T06:00:00Z"}]}
            """))
        guard case .event(let event, _) = outcome else { Issue.record("not an event"); return }
        #expect(event.timestamp == TimestampParser.parse("2026-11-20T07:00:00Z"))
    }

    @Test func canonicalReadingRejections() {
        let (_, outcome) = process(canonical("""
            {"event_id":"e1","timestamp":"2026-11-20T07:00:00Z","readings":[
              {"metric":"vo2max","value":40},
              {"metric":"heart_rate","value":"70"},
              {"metric":"heart_rate","value":70,"timestamp":"soon"},
              {"metric":"heart_rate","value":70,"timestamp":"2026-11-20T09:00:00Z"},
              {"metric":"heart_rate","value":70,"confidence":1.5},
              {"metric":"heart_rate","value":700},
              {"metric":"sleep_state","value":2.5},
              {"metric":"temperature_deviation","value":-0.4},
              {"metric":"hrv_rmssd","value":-1},
              "not an object",
              {"metric":"heart_rate","value":70,"confidence":"high"}
            ]}
            """))
        guard case .event(let event, let rejections) = outcome else { Issue.record("not an event"); return }
        #expect(event.readings.map(\.metric) == [.temperatureDeviation])
        #expect(rejections.map(\.description) == [
            "0:unknown_metric", "1:invalid_value", "2:malformed_timestamp", "3:future_timestamp", "4:invalid_confidence",
            "6:invalid_value", "9:unknown_metric", "10:invalid_confidence", "5:out_of_range", "8:out_of_range",
        ])
    }

    @Test func canonicalWholeRecordFailures() {
        let cases: [(String, RejectionReason)] = [
            ("[1]", .malformedBody),
            ("{\"timestamp\":\"2026-11-20T07:00:00Z\"}", .malformedBody),
            ("{\"readings\":[]}", .malformedTimestamp),
            ("{\"timestamp\":\"later\",\"readings\":[]}", .malformedTimestamp),
            ("{\"timestamp\":\"2026-11-21T07:00:00Z\",\"readings\":[]}", .futureTimestamp),
        ]
        for (body, reason) in cases {
            guard case .failure(let found, _) = process(canonical(body)).0 else { Issue.record("\(body) accepted"); continue }
            #expect(found == reason, "\(body)")
        }
        let (_, outcome) = process(canonical("{\"timestamp\":\"2026-11-20T07:00:00Z\",\"readings\":[{\"metric\":\"x\",\"value\":1}]}"))
        #expect(outcome == .noValidReadings(rejections: [Rejection(index: "0", reason: .unknownMetric)]))
    }

    @Test func unknownProvidersAreRefusedBeforeTheyBecomeEnvelopes() {
        let line = #"{"provider":"fitbit","user_id":"u","received_at":"2026-11-20T08:00:00Z","body":{}}"#
        #expect(throws: EnvelopeLine.Malformed.self) { try EnvelopeLine.decode(Array(line.utf8)) }
    }

    func record(_ provider: Provider, _ body: String, dataType: String? = nil, receivedAt: Timestamp = TimestampParser.parse("2026-11-21T12:00:00Z")!)
        -> (Normalization, Validator.Outcome?)
    {
        process(Envelope(provider: provider, userID: "u", receivedAt: receivedAt, dataType: dataType, body: Array(body.utf8)))
    }

    func readings(_ outcome: Validator.Outcome?) -> [Metric: Double] {
        guard case .event(let event, _) = outcome else { return [:] }
        return Dictionary(uniqueKeysWithValues: event.readings.map { ($0.metric, $0.value) })
    }

    @Test func ouraSleep() {
        let (_, outcome) = record(.oura, """
            {"id":"s1","bedtime_end":"2026-11-21T06:30:00+00:00","average_hrv":48,"average_heart_rate":55.5,"lowest_heart_rate":48,
             "average_breath":14.2,"total_sleep_duration":25200,"deep_sleep_duration":5400,"rem_sleep_duration":6300,
             "light_sleep_duration":13500,"awake_time":1800}
            """)
        #expect(readings(outcome) == [
            .hrvRMSSD: 48, .heartRate: 55.5, .restingHeartRate: 48, .respiratoryRate: 14.2, .totalSleepMinutes: 420,
            .deepSleepMinutes: 90, .remSleepMinutes: 105, .lightSleepMinutes: 225, .awakeMinutes: 30,
        ])
        guard case .event(let event, _) = outcome else { return }
        #expect(event.timestamp == TimestampParser.parse("2026-11-21T06:30:00Z"))
        #expect(event.readings.allSatisfy { $0.confidence == 0.7 })
    }

    @Test func ouraReadinessAndDailySleepByShapeOrDataType() {
        let readiness = record(.oura, #"{"day":"2026-11-21","score":82,"temperature_deviation":-0.2}"#)
        #expect(readings(readiness.1) == [.recoveryScore: 82, .temperatureDeviation: -0.2])
        if case .event(let event, _) = readiness.1 { #expect(event.timestamp == TimestampParser.parse("2026-11-21T00:00:00Z")) }
        #expect(readings(record(.oura, #"{"day":"2026-11-21","score":77}"#).1) == [.sleepScore: 77])
        #expect(readings(record(.oura, #"{"day":"2026-11-21","score":77}"#, dataType: "daily_readiness").1) == [.recoveryScore: 77])
        guard case .failure(let reason, _) = record(.oura, #"{"day":"2026-11-21","score":77}"#, dataType: "workout").0 else { return }
        #expect(reason == .unsupportedType)
    }

    @Test func whoopRecoveryAndSleep() {
        let recovery = record(.whoop, """
            {"cycle_id":1,"created_at":"2026-11-21T07:00:00.000Z","score":{"recovery_score":34,"hrv_rmssd_milli":31.5,
             "resting_heart_rate":62,"spo2_percentage":null}}
            """)
        #expect(readings(recovery.1) == [.recoveryScore: 34, .hrvRMSSD: 31.5, .restingHeartRate: 62])
        let sleep = record(.whoop, """
            {"id":9,"end":"2026-11-21T06:45:00.000Z","score":{"respiratory_rate":15.1,"stage_summary":{
             "total_light_sleep_time_milli":12600000,"total_slow_wave_sleep_time_milli":5400000,
             "total_rem_sleep_time_milli":6000000,"total_awake_time_milli":1500000}}}
            """)
        #expect(readings(sleep.1) == [.lightSleepMinutes: 210, .deepSleepMinutes: 90, .remSleepMinutes: 100, .awakeMinutes: 25, .respiratoryRate: 15.1])
    }

    @Test func providerRecordRejections() {
        let (_, outcome) = record(.whoop, #"{"created_at":"2026-11-21T07:00:00Z","score":{"recovery_score":"high","hrv_rmssd_milli":40}}"#)
        guard case .event(_, let rejections) = outcome else { Issue.record("not an event"); return }
        #expect(rejections == [Rejection(index: "score.recovery_score", reason: .invalidValue)])
        let failures: [(Provider, String, RejectionReason)] = [
            (.whoop, #"{"score":{"recovery_score":50}}"#, .malformedTimestamp),
            (.whoop, #"{"created_at":"2026-11-23T07:00:00Z","score":{"recovery_score":50}}"#, .futureTimestamp),
            (.oura, #"{"day":"21/11/2026","score":80}"#, .malformedTimestamp),
            (.oura, "[1,2]", .malformedBody),
        ]
        for (provider, body, reason) in failures {
            guard case .failure(let found, _) = record(provider, body).0 else { Issue.record("\(body) accepted"); continue }
            #expect(found == reason, "\(body)")
        }
        #expect(record(.whoop, #"{"created_at":"2026-11-21T07:00:00Z"}"#).1 == .noValidReadings(rejections: []))
    }

    @Test func notificationsAreRecognised() {
        #expect(record(.oura, #"{"event_type":"create","data_type":"sleep","object_id":"abc","user_id":"o-1"}"#).0 == .notification(.oura))
        #expect(record(.whoop, #"{"user_id":10129,"id":93845,"type":"recovery.updated","trace_id":"t-1"}"#).0 == .notification(.whoop))
    }
}
