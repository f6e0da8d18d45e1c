import Pipeline
import Testing

/// The decision rules one at a time, beyond the worked examples.
struct DecisionRulesTests {
    /// HRV drops never trigger reflex, so the candidates after it can show.
    static var lowHrvIsNoReflex: BridgeConfiguration {
        var configuration = BridgeConfiguration()
        configuration.thresholds.hrvDropMs = 100
        configuration.thresholds.hrvDropPercentage = 100
        configuration.anomalies.extremeHrvDropPercentage = 100
        return configuration
    }

    @Test func depletionIndicatorsGiveGuardian() {
        // HRV 28 (drop 32) would be reflex under the default thresholds.
        let configuration = Self.lowHrvIsNoReflex
        var scenario = Scenario(configuration: configuration)
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 28), (.heartRate, 85), (.stressLevel, 0.75)]))
        #expect(modeSwitch?.newMode == .guardian)
        #expect(modeSwitch?.reasonCode == .depletionIndicators)
        // min(0.9, 0.3 × [28 < 40] + 0.5 × 0.75) = 0.675
        #expect(modeSwitch?.confidence == 0.675)
    }

    @Test func oneDepletionIndicatorIsNotEnough() {
        var scenario = Scenario()
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.heartRate, 85)])) == nil)
    }

    @Test func lowHrvLowHeartRateIsAnAnomaly() {
        let configuration = Self.lowHrvIsNoReflex
        var scenario = Scenario(configuration: configuration)
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 15), (.heartRate, 45)]))
        #expect(modeSwitch?.newMode == .hypothesis)
    }

    @Test func extremeHeartRateElevationWithoutOtherTriggers() {
        // Elevation 41 above a baseline of 55 bpm while HR stays ≤ 100: reflex
        // through the elevated factor, reason heart rate (not above 100) → …
        var configuration = BridgeConfiguration()
        configuration.baselines.heartRateDefault = 55
        var scenario = Scenario(configuration: configuration)
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.heartRate, 96)]))
        #expect(modeSwitch?.newMode == .reflex)
        #expect(modeSwitch?.reasonCode == .extremeAnomaly)
        // factor (96 − 90) / 30 = 0.2, clamped up to 0.5.
        #expect(modeSwitch?.confidence == 0.5)
    }

    @Test func noSwitchToTheCurrentMode() {
        var scenario = Scenario()
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 30)]))?.newMode == .reflex)
        let decision = scenario.decision(Fixtures.canonical(minutes: 20, [(.hrvRMSSD, 29)]))
        #expect(decision != nil && decision?.modeSwitch == nil)
        #expect(scenario.states["user-1"]?.history.count == 1)
    }

    @Test func readingsFromDifferentEventsCombine() {
        var scenario = Scenario()
        // Recovery 45 alone: stress 1.5 × 0.1 = 0.15; nothing to switch.
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.recoveryScore, 45)])) == nil)
        // HR 92 from another event: elevated (22 > 20) → 0.3; recovery 45 → 0.1; stress 0.6.
        // HR > 80 and … only one depletion indicator; HRV absent: no anomaly; nothing.
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 1, [(.heartRate, 92)])) == nil)
        // Stress reading 0.8 joins: HR > 80 and stress > 0.7 → guardian min(0.9, 0.5 × 0.8) = 0.4 < 0.5: no switch.
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 2, [(.stressLevel, 0.8)])) == nil)
        // HRV 25 joins: drop 35 → reflex.
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 3, [(.hrvRMSSD, 25)]))?.newMode == .reflex)
    }

    @Test func freshnessEndsAReadingsInfluence() {
        var scenario = Scenario()
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.heartRate, 105)]))?.newMode == .reflex)
        // Eleven minutes later the heart rate is stale; only steps arrive:
        // no indicator at all, so nothing can return the user to pattern.
        let decision = scenario.decision(Fixtures.canonical(minutes: 11, [(.steps, 1000)]))
        #expect(decision?.modeSwitch == nil)
        // HRV 60 is current and normal: 2 indicators (HRV, stress) both normal.
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 12, [(.hrvRMSSD, 60)]))?.newMode == .pattern)
    }

    @Test func lateReadingsDoNotReplaceNewerOnes() {
        var scenario = Scenario()
        _ = scenario.send(Fixtures.canonical(minutes: 10, [(.hrvRMSSD, 60)]))
        let decision = scenario.decision(Fixtures.canonical(minutes: 5, [(.hrvRMSSD, 20)]))
        #expect(decision?.lateReadings == 1)
        #expect(decision?.modeSwitch == nil, "the late low HRV never entered the view")
        let state = scenario.states["user-1"]!
        #expect(state.entry(.hrvRMSSD)?.value == 60)
        #expect(state.baseline(.hrvRMSSD).count == 1, "nor the baseline")
        #expect(state.clock == Fixtures.at(minutes: 10), "a late event does not move the clock back")
    }

    @Test func aLateEventIsDecidedAtTheUsersClock() {
        var scenario = Scenario()
        _ = scenario.send(Fixtures.canonical(minutes: 10, [(.steps, 100)]))
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 5, [(.heartRate, 105)]))
        #expect(modeSwitch?.eventTime == Fixtures.at(minutes: 10))
    }

    @Test func duplicatesChangeNothing() {
        var scenario = Scenario()
        let envelope = Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 30)], eventID: "evt-1")
        #expect(scenario.switchFor(envelope)?.newMode == .reflex)
        let before = scenario.states["user-1"]!
        #expect(scenario.send(envelope) == .duplicate)
        #expect(scenario.states["user-1"] == before)
        // A different delivery carrying the same event id is the same event.
        var redelivered = Fixtures.canonical(minutes: 1, [(.hrvRMSSD, 80)], eventID: "evt-1")
        redelivered.deliveryID = "delivery-2"
        #expect(scenario.send(redelivered) == .duplicate)
    }

    @Test func deliveryIDsAreRemembered() {
        var scenario = Scenario()
        var first = Fixtures.healthKit(body: #"{"user_id":"user-1","samples":[{"type":"heartRate","value":72,"timestamp":"2026-11-20T08:00:00Z"}]}"#)
        first.deliveryID = "msg_1"
        guard case .decided = scenario.send(first) else { Issue.record("not decided"); return }
        var retry = Fixtures.healthKit(body: #"{"user_id":"user-1","samples":[{"type":"heartRate","value":72,"timestamp":"2026-11-20T08:00:00Z"}]}"#)
        retry.deliveryID = "msg_1"
        #expect(scenario.send(retry) == .duplicate)
        // Without ids, identical bodies are one event.
        let plain = Fixtures.healthKit(body: #"{"user_id":"user-1","samples":[{"type":"heartRate","value":73,"timestamp":"2026-11-20T08:01:00Z"}]}"#)
        guard case .decided = scenario.send(plain) else { Issue.record("not decided"); return }
        #expect(scenario.send(plain) == .duplicate)
    }

    @Test func baselinesLearnAfterMinSamples() {
        var scenario = Scenario()
        // Readings of 40 ms one hour apart are a drop from the default 60 until
        // ten of them are in the baseline (after their events were decided):
        // the eleventh finds 40 normal.
        for hour in 0..<10 {
            _ = scenario.send(Fixtures.canonical(minutes: Double(hour) * 60, [(.hrvRMSSD, 40)]))
        }
        var state = scenario.states["user-1"]!
        #expect(state.baseline(.hrvRMSSD).count == 10)
        #expect(abs(state.baseline(.hrvRMSSD).value(minSamples: 10, fallback: 60) - 40) < 1e-9)
        #expect(state.mode == .reflex)
        let back = scenario.switchFor(Fixtures.canonical(minutes: 600, [(.hrvRMSSD, 40)]))
        #expect(back?.newMode == .pattern)
        state = scenario.states["user-1"]!
        #expect(state.history.map(\.newMode) == [.reflex, .pattern])
    }

    @Test func baselineWeightsHalveEveryHalfLife() {
        var baseline = Baseline()
        let day: Double = 86_400
        baseline.add(100, at: Fixtures.start, halfLifeSeconds: 7 * day)
        baseline.add(50, at: Fixtures.start.adding(seconds: 7 * day), halfLifeSeconds: 7 * day)
        // (0.5 × 100 + 1 × 50) / 1.5
        #expect(abs(baseline.value(minSamples: 1, fallback: 0) - 100.0 / 1.5) < 1e-9)
    }

    @Test func recurringLowHrvAtOneHourIsAPattern() {
        var scenario = Scenario(configuration: Self.lowHrvIsNoReflex)
        // Guardian first (recovery 30 the first day), so the mode is not pattern.
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 0, [(.recoveryScore, 30)]))?.newMode == .guardian)
        var switches: [ModeSwitch] = []
        for day in 1...5 {
            // HRV 40 < 60 − 15 at 08:00 UTC on five days: the fifth completes the pattern.
            if let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: Double(day) * 1440, [(.hrvRMSSD, 40), (.recoveryScore, 70)])) {
                switches.append(modeSwitch)
            }
        }
        #expect(switches.map(\.reasonCode) == [.returnedToBaseline])
        let state = scenario.states["user-1"]!
        #expect(state.lowHrvHours[8].times.count == 5)
        // In pattern mode the pattern candidate does not apply; move to guardian and back.
        #expect(scenario.switchFor(Fixtures.canonical(minutes: 6 * 1440 - 60, [(.recoveryScore, 20)]))?.newMode == .guardian)
        let patternSwitch = scenario.switchFor(Fixtures.canonical(minutes: 6 * 1440, [(.hrvRMSSD, 40), (.recoveryScore, 70)]))
        #expect(patternSwitch?.newMode == .pattern)
        #expect(patternSwitch?.reasonCode == .recurringPattern)
        #expect(patternSwitch?.confidence == 0.7)
    }

    @Test func borderlineIsCountedWithoutReflex() {
        var scenario = Scenario()
        // Drop 23 > 22.5 (not significant: < 25 and 38 % > 30 %!) — use a higher baseline instead.
        var configuration = BridgeConfiguration()
        configuration.baselines.hrvDefault = 100
        scenario = Scenario(configuration: configuration)
        // HRV 77: drop 23 (> 22.5, < 25; 23 % < 30 %); HR 95 (> 90, elevation 25 → elevated but ≤ 100).
        let decision = scenario.decision(Fixtures.canonical(minutes: 0, [(.hrvRMSSD, 77), (.heartRate, 95)]))
        #expect(decision?.isBorderline == true)
        let reflex = scenario.decision(Fixtures.canonical(minutes: 20, [(.hrvRMSSD, 50), (.heartRate, 95)]))
        #expect(reflex?.isBorderline == false, "not borderline once reflex triggers")
    }

    @Test func significantChangeIsReported() {
        var scenario = Scenario()
        _ = scenario.send(Fixtures.canonical(minutes: 0, [(.heartRate, 70)]))
        #expect(scenario.decision(Fixtures.canonical(minutes: 1, [(.heartRate, 75)]))?.hasSignificantChange == false)
        #expect(scenario.decision(Fixtures.canonical(minutes: 2, [(.heartRate, 86)]))?.hasSignificantChange == true)
        #expect(scenario.decision(Fixtures.canonical(minutes: 30, [(.heartRate, 120)]))?.hasSignificantChange == false,
                "no current previous value: not significant")
    }

    @Test func versionCountsDecidedEvents() {
        var scenario = Scenario()
        _ = scenario.send(Fixtures.canonical(minutes: 0, [(.steps, 10)]))
        _ = scenario.send(Fixtures.canonical(minutes: 1, [(.steps, 20)]))
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 2, [(.heartRate, 105)]))
        #expect(scenario.states["user-1"]?.version == 3)
        #expect(modeSwitch?.switchID == ModeSwitch.switchID(userID: "user-1", version: 3))
    }

    @Test func configVersionTravelsWithSwitches() {
        var configuration = BridgeConfiguration()
        configuration.thresholds.heartRateElevated = 120
        var scenario = Scenario(configuration: configuration)
        let modeSwitch = scenario.switchFor(Fixtures.canonical(minutes: 0, [(.heartRate, 125)]))
        #expect(modeSwitch?.configVersion == configuration.version)
        #expect(configuration.version != BridgeConfiguration().version)
    }
}
