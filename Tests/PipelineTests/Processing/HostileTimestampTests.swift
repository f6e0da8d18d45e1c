import Pipeline
import Testing

/// Every timestamp a parser accepts — years 0000–9999, epoch numbers of any
/// size or sign — is either a time the clock holds or a rejection with its
/// reason; none may trap the process. iOS writes `Date.distantFuture` (the
/// year 4001) into real batches.
struct HostileTimestampTests {
    /// A sample time as it appears in JSON, and the reason it must get.
    static let sampleTimes: [(json: String, reason: RejectionReason?)] = [
        (#""4001-01-01T00:00:00Z""#, .futureTimestamp),
        (#""9999-12-31T23:59:59.999999999Z""#, .futureTimestamp),
        (#""2262-04-12T00:00:00Z""#, .futureTimestamp),
        (#""2261-12-31T23:59:59Z""#, .futureTimestamp),
        (#""0000-01-01T00:00:00Z""#, .malformedTimestamp),
        (#""0001-01-01 00:00:00 +2359""#, .malformedTimestamp),
        (#""1677-12-31T23:59:59Z""#, .malformedTimestamp),
        ("64092211200", .futureTimestamp),  // 4001 in seconds
        ("64092211200000", .futureTimestamp),  // 4001 in milliseconds
        ("253402300799999", .futureTimestamp),  // the last millisecond of 9999
        ("1e300", .malformedTimestamp),
        ("-1e300", .malformedTimestamp),
        ("-62135596800", .malformedTimestamp),  // year 1 in seconds
        ("-9223372036854775808", .malformedTimestamp),
        ("9223372036854775807", .malformedTimestamp),  // past 9999 even as milliseconds
        ("-5000000000", nil),  // 1811: long ago, but a time the clock holds
    ]

    @Test(arguments: sampleTimes.indices)
    func aHealthKitSampleTimeIsAReadingOrARejection(_ index: Int) {
        let (json, reason) = Self.sampleTimes[index]
        let body = #"{"user_id":"u","samples":[{"type":"heartRate","value":60,"timestamp":\#(json)}]}"#
        var scenario = Scenario()
        let outcome = scenario.send(Fixtures.healthKit("u", body: body))
        if let reason {
            #expect(Self.sampleReasons(outcome) == [reason], "\(json)")
        } else if case .decided = outcome {
        } else {
            Issue.record("\(json) was not decided: \(outcome)")
        }
    }

    @Test(arguments: sampleTimes.indices)
    func aCanonicalEventTimeIsAnEventOrARejection(_ index: Int) {
        let (json, reason) = Self.sampleTimes[index]
        let body = #"{"event_id":"e","user_id":"u","timestamp":\#(json),"readings":[{"metric":"heart_rate","value":60}]}"#
        var scenario = Scenario()
        let outcome = scenario.send(Envelope(provider: .canonical, userID: "u", receivedAt: Fixtures.start, body: Array(body.utf8)))
        if let reason {
            guard case .failed(let failure, _, _) = outcome else { Issue.record("\(json): \(outcome)"); return }
            #expect(failure == reason, "\(json)")
        } else if case .decided = outcome {
        } else {
            Issue.record("\(json) was not decided: \(outcome)")
        }
    }

    @Test func providerRecordTimesAndMindfulSessionsOutsideTheClock() {
        var scenario = Scenario()
        let oura = Envelope(provider: .oura, userID: "u", receivedAt: Fixtures.start, dataType: "daily_readiness",
                            body: Array(#"{"day":"4001-01-01","score":80}"#.utf8))
        #expect(scenario.send(oura) == .failed(.futureTimestamp, detail: "the record time is in the future", rejections: []))
        let whoop = Envelope(provider: .whoop, userID: "u", receivedAt: Fixtures.start, dataType: "recovery",
                             body: Array(#"{"created_at":"0001-01-01T00:00:00Z","score":{"recovery_score":80}}"#.utf8))
        #expect(scenario.send(whoop) == .failed(.malformedTimestamp, detail: "the record time is missing or malformed", rejections: []))
        // A session from now until the year 4001 lasts longer than any range allows.
        let mindful = #"{"user_id":"u","samples":[{"type":"mindfulSession","start":"2026-11-20T07:00:00Z","end":"4001-01-01T00:00:00Z"}]}"#
        #expect(Self.sampleReasons(scenario.send(Fixtures.healthKit("u", body: mindful))) == [.outOfRange])
        #expect(scenario.states.values.allSatisfy { $0.version == 0 }, "nothing was decided")
    }

    @Test func anArrivalTimeOutsideTheClockIsAMalformedLine() {
        for receivedAt in ["4001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"] {
            let line = #"{"provider":"canonical","user_id":"u","received_at":"\#(receivedAt)","body":{}}"#
            #expect(throws: EnvelopeLine.Malformed.self) { try EnvelopeLine.decode(Array(line.utf8)) }
        }
    }

    /// The replay of a history with every hostile class goes on to decide
    /// the next user's event exactly as it would have alone.
    @Test func replayGoesOnAfterEveryHostileTime() throws {
        var runner = ReplayRunner(configuration: BridgeConfiguration())
        for (json, _) in Self.sampleTimes {
            let body = #"{"user_id":"u","samples":[{"type":"heartRate","value":60,"timestamp":\#(json)}]}"#
            _ = try runner.process(line: Array(Fixtures.line(Fixtures.healthKit("hostile", body: body)).utf8))
        }
        let next = Fixtures.canonical("next", minutes: 0, [(.heartRate, 150)])
        let modeSwitch = try runner.process(line: Array(Fixtures.line(next).utf8))
        #expect(modeSwitch?.newMode == .reflex)
        #expect(runner.summary.rejections[.futureTimestamp] == 7 && runner.summary.rejections[.malformedTimestamp] == 8)
    }

    /// The reasons of a record that failed for want of a valid sample.
    static func sampleReasons(_ outcome: EnvelopeOutcome) -> [RejectionReason] {
        guard case .failed(.noValidReadings, _, let rejections) = outcome else { return [] }
        return rejections.map(\.reason)
    }

    @Test func clockArithmeticSaturatesInsteadOfTrapping() {
        let last = Timestamp(nanoseconds: .max), first = Timestamp(nanoseconds: .min)
        #expect(last.adding(seconds: 1) == last)
        #expect(first.adding(seconds: -1e300) == first)
        #expect(last.seconds(since: first) > 1.8e10)
        #expect(Timestamp(milliseconds: .max) == last)
        #expect(first.utcHour >= 0 && last.utcHour < 24)
        #expect(!first.description.isEmpty && !last.description.isEmpty)
        #expect(Timestamp.latest.description == "2261-12-31T23:59:59.999Z")
        #expect(Timestamp.earliest.description == "1678-01-01T00:00:00.000Z")
    }
}
