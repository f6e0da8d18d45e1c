import Pipeline
import Testing

/// The worked examples of the decision rules, on default thresholds: baselines at
/// their defaults (HRV 60 ms, HR 70 bpm), a fresh user in `pattern`,
/// canonical events carrying only the readings named.
struct DecisionExamplesTests {
    @Test func hrvThirtyIsReflex() {
        var scenario = Scenario()
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 30)]))
        #expect(modeSwitch?.newMode == .reflex)
        #expect(modeSwitch?.confidence == 0.875)
        #expect(modeSwitch?.reasonCode == .hrvDrop)
        #expect(modeSwitch?.previousMode == .pattern)
        #expect(modeSwitch?.snapshot.stressLevel == 0.75)
        #expect(modeSwitch?.snapshot.hrv == 30)
        #expect(modeSwitch?.snapshot.heartRate == nil)
    }

    @Test func sdnnCountsWhenNoRmssd() {
        var scenario = Scenario()
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvSDNN, 30)]))
        #expect(modeSwitch?.newMode == .reflex)
        #expect(modeSwitch?.confidence == 0.875)
    }

    @Test func heartRate105IsReflex() {
        var scenario = Scenario()
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.heartRate, 105)]))
        #expect(modeSwitch?.newMode == .reflex)
        #expect(modeSwitch?.confidence == 0.5)
        #expect(modeSwitch?.reasonCode == .heartRateElevated)
    }

    @Test func recoveryThirtyIsGuardian() {
        var scenario = Scenario()
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.recoveryScore, 30)]))
        #expect(modeSwitch?.newMode == .guardian)
        #expect(modeSwitch?.confidence == 0.7)
        #expect(modeSwitch?.reasonCode == .lowRecovery)
    }

    @Test func stressPointNineIsReflex() {
        var scenario = Scenario()
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.stressLevel, 0.9)]))
        #expect(modeSwitch?.newMode == .reflex)
        #expect(modeSwitch?.confidence == 0.9)
        #expect(modeSwitch?.reasonCode == .criticalStress)
    }

    @Test func highHrvWithHighHeartRateIsHypothesis() {
        var scenario = Scenario()
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 95), (.heartRate, 92)]))
        #expect(modeSwitch?.newMode == .hypothesis)
        #expect(modeSwitch?.confidence == 0.6)
        #expect(modeSwitch?.reasonCode == .anomaly)
    }

    @Test func lowHrvAndHighHeartRateTogether() {
        var scenario = Scenario()
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 30), (.heartRate, 105)]))
        #expect(modeSwitch?.newMode == .reflex)
        #expect(modeSwitch?.confidence == 0.833333)
        #expect(modeSwitch?.snapshot.stressLevel == 1)
    }

    @Test func backToPatternTenMinutesLater() {
        var scenario = Scenario()
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 30)]))?.newMode == .reflex)
        let back = scenario.switchFor(Fixtures.canonical(minutes: 10, [(.hrvRMSSD, 60), (.heartRate, 70)]))
        #expect(back?.newMode == .pattern)
        #expect(back?.confidence == 0.8)
        #expect(back?.reasonCode == .returnedToBaseline)
    }

    @Test func backToPatternInTheCooldownStillSwitches() {
        var scenario = Scenario()
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 30)]))?.newMode == .reflex)
        let back = scenario.switchFor(Fixtures.canonical(minutes: 2, [(.hrvRMSSD, 60), (.heartRate, 70)]))
        #expect(back?.newMode == .pattern)
        #expect(back?.confidence == 0.56)
    }

    @Test func cooldownHoldsGuardianAgainstAWeakReflex() {
        var scenario = Scenario()
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.recoveryScore, 30)]))?.newMode == .guardian)
        let decision = scenario.decision(Fixtures.canonical(minutes: 2, [(.heartRate, 105)]))
        #expect(decision != nil)
        #expect(decision?.modeSwitch == nil, "0.7 × 0.7 and 0.5 × 0.7 both fall below 0.5")
        #expect(scenario.states["user-1"]?.mode == .guardian)
    }

    @Test func reflexAfterTheCooldown() {
        var scenario = Scenario()
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.recoveryScore, 30)]))?.newMode == .guardian)
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 10, [(.heartRate, 105)]))
        #expect(modeSwitch?.newMode == .reflex)
        #expect(modeSwitch?.confidence == 0.7)
        #expect(modeSwitch?.previousMode == .guardian)
    }

    @Test func recoveryStaysCurrentSoGuardianStays() {
        var scenario = Scenario()
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.recoveryScore, 30)]))?.newMode == .guardian)
        let decision = scenario.decision(Fixtures.canonical(minutes: 10, [(.heartRate, 70)]))
        #expect(decision?.modeSwitch == nil)
        #expect(scenario.states["user-1"]?.mode == .guardian)
    }

    @Test func switchJSONHasTheDocumentedShape() throws {
        var scenario = Scenario()
        let first = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 30)]))
        let modeSwitch = try #require(first)
        #expect(modeSwitch.switchID == String(SHA256Digest.hex(of: Array("user-1:1".utf8)).prefix(32)))
        #expect(modeSwitch.eventTime.description == "2026-11-20T08:00:00.000Z")
        let json = modeSwitch.json
        let keys = ["switch_id", "user_id", "previous_mode", "new_mode", "reason_code", "reason", "confidence", "event_time", "config_version", "snapshot"]
        var position = json.startIndex
        for key in keys {
            let range = try #require(json.range(of: "\"\(key)\":", range: position..<json.endIndex), "\(key) in order")
            position = range.upperBound
        }
        #expect(json.contains("\"snapshot\":{\"hrv\":30,\"heart_rate\":null,\"stress_level\":0.75,\"recovery_score\":null,\"provider\":\"canonical\"}"))
        let parsed = try JSONParser.parse(json)
        #expect(parsed["confidence"] == .number(0.875))
        #expect(ReasonCode.allCases.allSatisfy { !$0.sentence.contains { $0.isNumber } }, "no biometric value in a sentence")
    }
}
