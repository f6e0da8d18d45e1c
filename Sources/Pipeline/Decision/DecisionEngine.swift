/// The decide stage: applies one user's events, in offset order, to
/// that user's state and switches the cognitive mode when the body says so.
/// A pure function of the events and the configuration — times are event
/// times — so a replay after a crash decides exactly as the live run did.
public struct DecisionEngine: Sendable {
    public let configuration: BridgeConfiguration
    public let configVersion: String

    private struct Candidate {
        let mode: CognitiveMode
        let confidence: Double
        let reason: ReasonCode
    }

    public init(configuration: BridgeConfiguration) {
        self.configuration = configuration
        self.configVersion = configuration.version
    }

    public func decide(_ event: BiometricEvent, state: inout UserState) -> Decision {
        let limits = configuration.state
        let eventIdentity = RecentIdentities.Digest(event.eventID)
        let deliveryIdentity = event.deliveryID.flatMap { $0 == event.eventID ? nil : RecentIdentities.Digest($0) }
        if state.recentIdentities.contains(eventIdentity) || deliveryIdentity.map(state.recentIdentities.contains) == true {
            return .duplicate
        }
        state.recentIdentities.remember(eventIdentity, capacity: Int(limits.dedupMaxIds))
        if let deliveryIdentity { state.recentIdentities.remember(deliveryIdentity, capacity: Int(limits.dedupMaxIds)) }

        // A late event never moves the user's clock backwards.
        let now = max(state.clock ?? event.timestamp, event.timestamp)
        var decision = Decision()
        // Which readings entered the view, to add them to baselines once the
        // event is decided; on the stack, as this runs for every event.
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: event.readings.count) { applied in
            for (index, reading) in event.readings.enumerated() {
                applied[index] = apply(reading, to: &state, now: now, decision: &decision)
                if applied[index] { decision.appliedReadings += 1 }
            }
            switchMode(after: event, now: now, state: &state, decision: &decision)
            // Readings enter baselines only after the event was decided.
            let halfLife = configuration.baselines.halfLifeDays * 86_400
            for (index, reading) in event.readings.enumerated() where applied[index] {
                state.baselines[reading.metric.rawValue].add(reading.value, at: reading.timestamp, halfLifeSeconds: halfLife)
            }
            state.clock = now
            return decision
        }
    }

    /// Chooses the mode from the view as it stands after the event's readings,
    /// and switches to it if it differs from the current one.
    private func switchMode(after event: BiometricEvent, now: Timestamp, state: inout UserState, decision: inout Decision) {
        let limits = configuration.state
        let indicators = Indicators(state: state, now: now, configuration: configuration)
        decision.isBorderline = isBorderline(indicators)
        state.version += 1
        if let chosen = chooseCandidate(indicators, state: state, now: now), chosen.mode != state.mode {
            let modeSwitch = ModeSwitch(
                switchID: ModeSwitch.switchID(userID: state.userID, version: state.version), userID: state.userID,
                previousMode: state.mode, newMode: chosen.mode, reasonCode: chosen.reason, confidence: chosen.confidence,
                eventTime: now, configVersion: configVersion, snapshot: snapshot(indicators, provider: event.provider))
            state.mode = chosen.mode
            state.confidence = chosen.confidence
            state.lastSwitch = now
            state.history.append(SwitchRecord(modeSwitch, version: state.version))
            if state.history.count > Int(limits.maxModeHistory) { state.history.removeFirst(state.history.count - Int(limits.maxModeHistory)) }
            decision.modeSwitch = modeSwitch
        }
    }

    /// Puts a reading in the view unless the view already holds one at least
    /// as new; records low HRV and low recovery for the patterns (before the
    /// check, so the current event counts). Returns whether it was applied.
    private func apply(_ reading: Reading, to state: inout UserState, now: Timestamp, decision: inout Decision) -> Bool {
        let metric = reading.metric
        let previous = state.view[metric.rawValue]
        if let previous, previous.time >= reading.timestamp {
            decision.lateReadings += 1
            return false
        }
        if let previous, isCurrent(previous, metric, now: now), isSignificantChange(metric, from: previous.value, to: reading.value) {
            decision.hasSignificantChange = true
        }
        state.view[metric.rawValue] = ViewEntry(value: reading.value, time: reading.timestamp)

        let patterns = configuration.patterns
        switch metric {
        case .hrvRMSSD, .hrvSDNN:
            let baseline = state.baselines[metric.rawValue].value(
                minSamples: configuration.baselines.minSamples, fallback: configuration.baselines.hrvDefault)
            if reading.value < baseline - patterns.lowHrvMargin {
                state.lowHrvHours[reading.timestamp.utcHour].record(reading.timestamp, capacity: Int(patterns.lowHrvMinEvents))
            }
        case .recoveryScore where reading.value < patterns.lowRecovery:
            state.lowRecoveryWeekdays[reading.timestamp.utcWeekday].record(reading.timestamp, capacity: Int(patterns.lowRecoveryMinEvents))
        default:
            break
        }
        return true
    }

    private func isCurrent(_ entry: ViewEntry, _ metric: Metric, now: Timestamp) -> Bool {
        Double(now.nanoseconds - entry.time.nanoseconds) < configuration.freshness(of: metric) * 1e9
    }

    private func isSignificantChange(_ metric: Metric, from old: Double, to new: Double) -> Bool {
        let limits = configuration.significantChange
        switch metric {
        case .hrvRMSSD, .hrvSDNN: return abs(new - old) > limits.hrvMs
        case .heartRate: return abs(new - old) > limits.heartRateBpm
        case .stressLevel: return abs(new - old) > limits.stress
        default: return false
        }
    }

    /// The five candidates in priority order; the first whose confidence
    /// (after the cooldown factor and rounding) reaches `min_confidence` decides.
    private func chooseCandidate(_ indicators: Indicators, state: UserState, now: Timestamp) -> Candidate? {
        let thresholds = configuration.thresholds
        let inCooldown = state.lastSwitch.map {
            Double(now.nanoseconds - $0.nanoseconds) < thresholds.modeSwitchCooldownSeconds * 1e9
        } ?? false
        func qualifying(_ candidate: Candidate?) -> Candidate? {
            guard let candidate else { return nil }
            let confidence = Rounding.sixDecimals(inCooldown ? candidate.confidence * thresholds.cooldownFactor : candidate.confidence)
            return confidence >= thresholds.minConfidence ? Candidate(mode: candidate.mode, confidence: confidence, reason: candidate.reason) : nil
        }
        let candidates = configuration.candidates
        return qualifying(reflex(indicators))
            ?? qualifying(guardian(indicators))
            ?? qualifying(indicators.pattern && state.mode != .pattern
                ? Candidate(mode: .pattern, confidence: candidates.pattern, reason: .recurringPattern) : nil)
            ?? qualifying(indicators.anomaly && state.mode != .hypothesis
                ? Candidate(mode: .hypothesis, confidence: candidates.hypothesis, reason: .anomaly) : nil)
            ?? qualifying(recovered(indicators, mode: state.mode))
    }

    private func reflexTriggered(_ indicators: Indicators) -> Bool {
        indicators.hrvSignificant || (indicators.heartRate ?? 0) > configuration.thresholds.heartRateElevated
            || indicators.stressCritical || indicators.extremeAnomaly
    }

    private func reflex(_ indicators: Indicators) -> Candidate? {
        guard reflexTriggered(indicators) else { return nil }
        let settings = configuration.reflex
        var sum = 0.0
        var factors = 0
        if indicators.hrvSignificant {
            sum += min(1, indicators.hrvDrop / settings.hrvDropDivisor)
            factors += 1
        }
        if indicators.heartRateElevated, let heartRate = indicators.heartRate {
            sum += max(0, min(1, (heartRate - settings.hrOffset) / settings.hrDivisor))
            factors += 1
        }
        if indicators.stressHigh {
            sum += indicators.stress
            factors += 1
        }
        let mean = factors == 0 ? settings.minConfidence : sum / Double(factors)
        let reason: ReasonCode =
            if indicators.hrvSignificant { .hrvDrop }
            else if (indicators.heartRate ?? 0) > configuration.thresholds.heartRateElevated { .heartRateElevated }
            else if indicators.stressCritical { .criticalStress }
            else { .extremeAnomaly }
        return Candidate(mode: .reflex, confidence: min(settings.maxConfidence, max(settings.minConfidence, mean)), reason: reason)
    }

    private func guardian(_ indicators: Indicators) -> Candidate? {
        if let recovery = indicators.recovery, recovery < configuration.thresholds.recoveryScoreLow {
            return Candidate(mode: .guardian, confidence: 1 - recovery / 100, reason: .lowRecovery)
        }
        let settings = configuration.guardian
        var present = 0
        if let hrv = indicators.hrv, hrv < settings.lowHrv { present += 1 }
        if let heartRate = indicators.heartRate, heartRate > settings.highHr { present += 1 }
        if indicators.stressHigh { present += 1 }
        guard Double(present) >= settings.minIndicators else { return nil }
        let lowHrv = (indicators.hrv.map { $0 < settings.hrvConfidenceBelow } ?? false) ? 1.0 : 0.0
        let confidence = min(settings.cap, settings.hrvWeight * lowHrv + settings.stressWeight * indicators.stress)
        return Candidate(mode: .guardian, confidence: confidence, reason: .depletionIndicators)
    }

    private func recovered(_ indicators: Indicators, mode: CognitiveMode) -> Candidate? {
        guard mode != .pattern else { return nil }
        var total = 0
        var normal = 0
        func count(_ isNormal: Bool) {
            total += 1
            if isNormal { normal += 1 }
        }
        if indicators.hrv != nil { count(!indicators.hrvSignificant) }
        if indicators.heartRate != nil { count(!indicators.heartRateElevated) }
        if let recovery = indicators.recovery { count(recovery >= configuration.thresholds.recoveryScoreModerate) }
        if indicators.stressIsIndicator { count(!indicators.stressHigh) }
        guard total > 0, Double(normal) / Double(total) >= configuration.candidates.recoveredShare else { return nil }
        return Candidate(mode: .pattern, confidence: configuration.candidates.recovered, reason: .returnedToBaseline)
    }

    /// At least `min_factors` of the reflex inputs within `factor` of their
    /// thresholds while reflex itself is not triggered.
    private func isBorderline(_ indicators: Indicators) -> Bool {
        guard !reflexTriggered(indicators) else { return false }
        let settings = configuration.borderline
        let thresholds = configuration.thresholds
        var near = 0
        if indicators.hrv != nil, indicators.hrvDrop > settings.factor * thresholds.hrvDropMs { near += 1 }
        if let heartRate = indicators.heartRate, heartRate > settings.factor * thresholds.heartRateElevated { near += 1 }
        if indicators.stressIsIndicator, indicators.stress > settings.factor * thresholds.stressLevelCritical { near += 1 }
        return Double(near) >= settings.minFactors
    }

    private func snapshot(_ indicators: Indicators, provider: Provider) -> CognitiveStateSnapshot {
        CognitiveStateSnapshot(
            hrv: indicators.hrv.map(Rounding.sixDecimals),
            heartRate: indicators.heartRate.map(Rounding.sixDecimals),
            stressLevel: indicators.stressIsIndicator ? Rounding.sixDecimals(indicators.stress) : nil,
            recoveryScore: indicators.recovery.map(Rounding.sixDecimals),
            provider: provider)
    }
}
