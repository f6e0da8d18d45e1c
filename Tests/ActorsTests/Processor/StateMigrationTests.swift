import Actors
import Foundation
import Logging
import NIOCore
import Pipeline
import PostgresNIO
import Testing

/// A state the previous codec sealed, in PostgreSQL as an earlier release
/// left it: the processor reads it, decides on it exactly as on the state
/// itself, and its checkpoint seals it again in the current format.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct StateMigrationTests {
    /// A heavy user's state in format 2 (full history, 64 identities, ten
    /// metrics), written by the codec before format 3.
    static func formatTwoState() throws -> (userID: String, bytes: [UInt8]) {
        let text = try String(contentsOf: ProjectRoot.path("Tests/PipelineTests/Decision/Fixtures/state-format-2.base64"), encoding: .utf8)
        let bytes = Array(try #require(Data(base64Encoded: text, options: .ignoreUnknownCharacters)))
        // Format 2 begins with its number and the user id.
        var reader = BinaryReader(bytes)
        #expect(try reader.readByte() == 2)
        return (try reader.readString(), bytes)
    }

    @Test func aFormatTwoStateIsDecidedOnAndCheckpointedInFormatThree() async throws {
        let (userID, legacyBytes) = try Self.formatTwoState()
        let legacy = try UserStateCodec.decode(legacyBytes, userID: userID)
        let clock = try #require(legacy.clock)
        let time = clock.adding(seconds: 600)
        let body = #"{"event_id":"after-the-upgrade","timestamp":"\#(time)","readings":[{"metric":"heart_rate","value":150},{"metric":"hrv_rmssd","value":21}]}"#

        // What the processor must arrive at: the domain on the decoded state.
        var expectedStates = [userID: legacy]
        let envelope = Envelope(provider: .canonical, userID: userID, receivedAt: time, body: Array(body.utf8))
        let outcome = EnvelopeProcessor(configuration: BridgeConfiguration()).process(envelope, in: &expectedStates)
        guard case .decided(let decision, _, _) = outcome else { Issue.record("not decided: \(outcome)"); return }
        let expected = try #require(expectedStates[userID])

        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            let cipher = try StateCipher.fromEnvironment([:], allowingDevelopmentKey: true, logger: Logger(label: "tests"))
            let sealed = try cipher.seal(legacyBytes, for: .userState(user: userID, version: legacy.version))
            try await fixture.client.query("""
                INSERT INTO user_state (user_id, "version", key_id, state)
                VALUES (\(userID), \(legacy.version), \(cipher.currentKeyID), \(ByteBuffer(bytes: sealed)))
                """)

            let processor = try fixture.startProcessor()
            let producer = try KafkaTestSupport.producer(fixture.bootstrapServers)
            try await producer.send(KafkaProducerRecord(topic: "biometric-events", key: Array(userID.utf8), value: Array(body.utf8), headers: [
                KafkaHeader(name: "provider", value: "canonical"), KafkaHeader(name: "received-at", value: time.description),
            ]))
            try await eventually("the decided state checkpointed", timeout: .seconds(60)) {
                for try await version in try await fixture.client.query("SELECT \"version\" FROM user_state WHERE user_id = \(userID)").decode(Int64.self) {
                    return version == legacy.version + 1
                }
                return false
            }
            let stop = await processor.terminate()
            #expect(stop.status == 0, "\(processor.log.suffix(2_000))")

            let stored = try #require(try await ProcessorChecks.states(fixture.client)[userID])
            #expect(stored.first == 3, "sealed again in format 3")
            #expect(stored == UserStateCodec.encode(expected), "the state the domain decides from the migrated one, byte for byte")
            #expect(stored.count < legacyBytes.count / 2)
            if let modeSwitch = decision.modeSwitch {
                #expect(try await ProcessorChecks.storedSwitchIDs(fixture.client) == [modeSwitch.switchID])
            }
        }
    }
}
