import Pipeline
import Testing

/// State stays bounded and decisions stay deterministic, whatever the history.
struct StateBoundsTests {
    /// A deterministic stream of events that keeps switching modes: sharp HRV
    /// drops, racing hearts, poor recoveries, calm stretches.
    static func events(count: Int, userID: String = "user-1") -> [BiometricEvent] {
        var generator = SplitMix64(seed: 42)
        return (0..<count).map { index in
            let time = Fixtures.start.adding(seconds: Double(index) * 97)
            let phase = (index / 50) % 4
            var readings = [
                Reading(metric: .hrvRMSSD, value: phase == 1 ? 25 + generator.unit() * 10 : 55 + generator.unit() * 20, timestamp: time, confidence: 1),
                Reading(metric: .heartRate, value: phase == 2 ? 100 + generator.unit() * 20 : 60 + generator.unit() * 15, timestamp: time, confidence: 1),
            ]
            if index % 20 == 0 {
                readings.append(Reading(metric: .recoveryScore, value: phase == 3 ? 30 : 75, timestamp: time, confidence: 1))
            }
            return BiometricEvent(eventID: "e\(index)", deliveryID: "d\(index)", userID: userID, provider: .canonical, timestamp: time, readings: readings)
        }
    }

    @Test func stateIsBoundedAfterAMillionEvents() async throws {
        let configuration = BridgeConfiguration()
        let engine = DecisionEngine(configuration: configuration)
        var state = UserState(userID: "user-1")
        var switches = 0
        var largestEncoding = 0
        // In slices, yielding between them: a long synchronous loop would hold
        // one of the few cooperative threads that other tests' timers need.
        let stream = Self.events(count: 100_000)
        for round in 0..<10 {
            for (index, event) in stream.enumerated() {
                var shifted = event
                shifted.eventID = "\(round)-\(event.eventID)"
                shifted.deliveryID = nil
                shifted.timestamp = event.timestamp.adding(seconds: Double(round) * 100_000 * 97)
                shifted.readings = event.readings.map { reading in
                    var moved = reading
                    moved.timestamp = shifted.timestamp
                    return moved
                }
                if engine.decide(shifted, state: &state).modeSwitch != nil { switches += 1 }
                if index % 10_000 == 9_999 { await Task.yield() }
            }
            largestEncoding = max(largestEncoding, UserStateCodec.encode(state).count)
        }
        #expect(switches > 1_000, "the stream keeps switching (\(switches) switches)")
        #expect(state.version == 1_000_000)
        #expect(state.history.count == 50)
        #expect(state.recentIdentities.digests.count == 64)
        #expect(state.lowHrvHours.filledSlots.allSatisfy { $0.value.times.count <= 5 })
        #expect(state.lowRecoveryWeekdays.filledSlots.allSatisfy { $0.value.times.count <= 3 })
        #expect(largestEncoding + 28 <= 2_048, "the sealed state stays under 2 KB (\(largestEncoding) bytes before sealing)")
        #expect(try UserStateCodec.decode(UserStateCodec.encode(state), userID: state.userID) == state)
    }

    @Test func sameEventsGiveTheSameStateByteForByte() {
        let engine = DecisionEngine(configuration: BridgeConfiguration())
        func run() -> ([ModeSwitch], [UInt8]) {
            var state = UserState(userID: "user-1")
            let switches = Self.events(count: 20_000).compactMap { engine.decide($0, state: &state).modeSwitch }
            return (switches, UserStateCodec.encode(state))
        }
        let (firstSwitches, firstState) = run()
        let (secondSwitches, secondState) = run()
        #expect(!firstSwitches.isEmpty)
        #expect(firstSwitches == secondSwitches)
        #expect(firstState == secondState)
    }

    @Test func aRestoredStateDecidesLikeTheOriginal() throws {
        // A crash between two events: the state is encoded, decoded and the
        // stream continues — the decisions must be those of an unbroken run.
        let engine = DecisionEngine(configuration: BridgeConfiguration())
        let events = Self.events(count: 5_000)
        var unbroken = UserState(userID: "user-1")
        let expected = events.compactMap { engine.decide($0, state: &unbroken).modeSwitch }

        var state = UserState(userID: "user-1")
        var switches: [ModeSwitch] = []
        for (index, event) in events.enumerated() {
            if index % 777 == 0 { state = try UserStateCodec.decode(UserStateCodec.encode(state), userID: state.userID) }
            if let modeSwitch = engine.decide(event, state: &state).modeSwitch { switches.append(modeSwitch) }
        }
        #expect(switches == expected)
        #expect(UserStateCodec.encode(state) == UserStateCodec.encode(unbroken))
    }

    @Test func corruptStatesAreRefused() {
        var state = UserState(userID: "user-1")
        _ = DecisionEngine(configuration: BridgeConfiguration()).decide(Self.events(count: 1)[0], state: &state)
        let bytes = UserStateCodec.encode(state)
        #expect(throws: UserStateCodec.Invalid.self) { try UserStateCodec.decode(Array(bytes.dropLast(3)), userID: state.userID) }
        #expect(throws: UserStateCodec.Invalid.self) { try UserStateCodec.decode([9] + bytes.dropFirst(), userID: state.userID) }
        #expect(throws: UserStateCodec.Invalid.self) { try UserStateCodec.decode(bytes + [0], userID: state.userID) }
    }
}
