import Foundation
import Pipeline
import Testing

/// States sealed by earlier formats are read, decide on exactly as the
/// unbroken run, and are written again in the current, compact format.
struct StateFormatMigrationTests {
    /// `HeavyUser.state(after: 3_000)` as format 2 wrote it: ten metrics, a
    /// full history (50 of its 125 switches), 64 identities, every pattern
    /// bucket full.
    static let heavyUserEvents = 3_000

    static func formatTwoFixture() throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/state-format-2.base64")
        let text = try String(contentsOf: url, encoding: .utf8)
        return Array(try #require(Data(base64Encoded: text, options: .ignoreUnknownCharacters)))
    }

    /// The history as the switches' messages name them: id and everything the entry keeps.
    static func history(of state: UserState) -> [String] {
        state.history.map {
            "\($0.switchID(userID: state.userID)) \($0.previousMode)→\($0.newMode) \($0.reasonCode) \($0.confidence) \($0.eventTime) \($0.configVersion)"
        }
    }

    @Test func aFormatTwoStateIsReadAndResealedInTheCurrentFormat() throws {
        let legacy = try Self.formatTwoFixture()
        #expect(legacy.first == 2)
        let migrated = try UserStateCodec.decode(legacy, userID: HeavyUser.userID)
        let (fresh, switches) = HeavyUser.state(after: Self.heavyUserEvents)

        // Everything but how history entries name their switch is the state itself.
        var comparable = migrated
        comparable.history = fresh.history
        #expect(comparable == fresh)
        #expect(Self.history(of: migrated) == Self.history(of: fresh))
        #expect(migrated.history.map { $0.switchID(userID: migrated.userID) } == switches.suffix(50).map(\.switchID))

        let resealed = UserStateCodec.encode(migrated)
        #expect(resealed.first == 3)
        #expect(try UserStateCodec.decode(resealed, userID: migrated.userID) == migrated)
        #expect(resealed.count < legacy.count / 3, "format 3 is \(resealed.count) bytes, format 2 was \(legacy.count)")
    }

    @Test func aMigratedStateDecidesLikeTheUnbrokenRunAndConvergesToItsBytes() throws {
        var migrated = try UserStateCodec.decode(try Self.formatTwoFixture(), userID: HeavyUser.userID)
        var unbroken = HeavyUser.state(after: Self.heavyUserEvents).state
        let engine = DecisionEngine(configuration: BridgeConfiguration())
        var expected: [ModeSwitch] = []
        var actual: [ModeSwitch] = []
        for (index, event) in HeavyUser.events(count: 8_000).enumerated().dropFirst(Self.heavyUserEvents) {
            if let modeSwitch = engine.decide(event, state: &unbroken).modeSwitch { expected.append(modeSwitch) }
            if let modeSwitch = engine.decide(event, state: &migrated).modeSwitch { actual.append(modeSwitch) }
            // Sealed and read back now and then, as checkpoints and restarts do.
            if index % 500 == 0 { migrated = try UserStateCodec.decode(UserStateCodec.encode(migrated), userID: HeavyUser.userID) }
        }
        #expect(actual.map(\.json) == expected.map(\.json))
        #expect(expected.count > 50, "enough switches (\(expected.count)) to push every migrated entry out of the history")
        #expect(UserStateCodec.encode(migrated) == UserStateCodec.encode(unbroken))
    }

    @Test func aFormatOneStateWithTheIdsAsTextIsReadWithThemDigested() throws {
        var state = UserState(userID: "user-1")
        state.mode = .reflex
        state.version = 7
        let legacy = PreviousStateFormats.formatOne(state, identities: ["event-1", "delivery-1"])
        let migrated = try UserStateCodec.decode(legacy, userID: "user-1")
        #expect(migrated.recentIdentities.digests == [.init("event-1"), .init("delivery-1")])
        #expect(migrated.mode == .reflex && migrated.version == 7)
        let resealed = UserStateCodec.encode(migrated)
        #expect(resealed.first == 3)
        #expect(try UserStateCodec.decode(resealed, userID: migrated.userID) == migrated)
        #expect(throws: UserStateCodec.Invalid.self) { try UserStateCodec.decode(legacy, userID: "user-2") }
    }

    @Test func aFullStateSealsUnderTwoKilobytes() throws {
        let (state, _) = HeavyUser.state(after: Self.heavyUserEvents)
        #expect(state.history.count == 50 && state.recentIdentities.digests.count == 64)
        #expect(state.view.filledSlots.count == 10)
        #expect(state.lowHrvHours.filledSlots.count == UserState.hours && state.lowHrvHours.filledSlots.allSatisfy { $0.value.times.count == 5 })
        #expect(state.lowRecoveryWeekdays.filledSlots.count == UserState.weekdays
                && state.lowRecoveryWeekdays.filledSlots.allSatisfy { $0.value.times.count == 3 })
        // AES-GCM adds a 12-byte nonce and a 16-byte tag.
        let sealed = UserStateCodec.encode(state).count + 28
        #expect(sealed <= 2_048, "a full state seals to \(sealed) bytes")
    }

    @Test func everyCaseHasAStoredCode() {
        let state = UserState(userID: "u")
        for mode in CognitiveMode.allCases {
            var moded = state
            moded.mode = mode
            #expect((try? UserStateCodec.decode(UserStateCodec.encode(moded), userID: "u"))?.mode == mode)
        }
        for reason in ReasonCode.allCases {
            var switched = state
            switched.history = [SwitchRecord(
                identity: .version(1), previousMode: .pattern, newMode: .guardian, reasonCode: reason, confidence: 0.5,
                eventTime: Timestamp(nanoseconds: 1), configVersion: "abc")]
            #expect((try? UserStateCodec.decode(UserStateCodec.encode(switched), userID: "u"))?.history.first?.reasonCode == reason)
        }
        for metric in Metric.allCases {
            var viewed = state
            viewed.view[metric.rawValue] = ViewEntry(value: -0.0, time: Timestamp(nanoseconds: -1))
            #expect((try? UserStateCodec.decode(UserStateCodec.encode(viewed), userID: "u")) == viewed)
        }
    }

    @Test func extremeNumbersSurviveTheCompactForms() throws {
        var state = UserState(userID: "u")
        state.clock = Timestamp(nanoseconds: .max)
        state.lastSwitch = Timestamp(nanoseconds: .min)
        state.version = .max
        state.confidence = .nan
        for (index, value) in [Double.infinity, -.infinity, 1e300, .leastNonzeroMagnitude, 0.1 + 0.2, 123.456789, -98_765.000001].enumerated() {
            state.view[index] = ViewEntry(value: value, time: Timestamp(nanoseconds: Int64(index) * 1_000_000_007))
        }
        for nanoseconds in [Int64.min, 0, .max] { state.lowHrvHours[3].record(Timestamp(nanoseconds: nanoseconds), capacity: 5) }
        state.history = [
            SwitchRecord(identity: .digest(.max, 0), previousMode: .hypothesis, newMode: .reflex, reasonCode: .anomaly, confidence: 1,
                         eventTime: .init(nanoseconds: .min), configVersion: "a"),
            SwitchRecord(identity: .version(.max), previousMode: .reflex, newMode: .pattern, reasonCode: .returnedToBaseline,
                         confidence: 0.1234565, eventTime: .init(nanoseconds: .max), configVersion: "b"),
        ]
        let decoded = try UserStateCodec.decode(UserStateCodec.encode(state), userID: "u")
        #expect(decoded.confidence.isNaN)
        #expect(decoded.view == state.view && decoded.history == state.history && decoded.lowHrvHours == state.lowHrvHours)
        #expect(decoded.clock == state.clock && decoded.lastSwitch == state.lastSwitch && decoded.version == state.version)
        #expect(UserStateCodec.encode(decoded) == UserStateCodec.encode(state))
    }
}
