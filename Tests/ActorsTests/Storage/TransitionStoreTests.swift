@testable import Actors
import NIOCore
import Pipeline
import PostgresNIO
import Testing

/// What the agent API reads: the newest switch by decision order, found
/// through the per-user index.
struct TransitionStoreTests {
    static let partition = KafkaTopicPartition(topic: "biometric-events", partition: 0)

    static func modeSwitch(_ user: String, version: Int64, from previous: CognitiveMode, to new: CognitiveMode, at time: String) -> ModeSwitch {
        ModeSwitch(
            switchID: ModeSwitch.switchID(userID: user, version: version), userID: user, previousMode: previous, newMode: new,
            reasonCode: new == .pattern ? .returnedToBaseline : .heartRateElevated, confidence: 0.8, eventTime: TimestampParser.parse(time)!,
            configVersion: "a5ea508096a7", snapshot: CognitiveStateSnapshot(hrv: nil, heartRate: 64, stressLevel: nil, recoveryScore: nil, provider: .canonical))
    }

    static func state(_ user: String, version: Int64) -> ShardReport.StoredState {
        ShardReport.StoredState(userID: user, partition: partition, version: version, keyID: "k", sealed: ByteBuffer(bytes: [1]))
    }

    /// Late events are decided at the user's clock, so switches can share an
    /// event time: the one decided last is the current mode, checkpoint after checkpoint.
    @Test func switchesAtOneTimeAreOrderedAsDecided() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let checkpoints = CheckpointStore(client: client, group: "g", logger: TestDatabase.logger)
            let transitions = TransitionStore(client: client, logger: TestDatabase.logger)
            let time = "2026-11-20T08:00:00Z"
            let first = [Self.modeSwitch("ada", version: 3, from: .pattern, to: .reflex, at: time),
                         Self.modeSwitch("ada", version: 4, from: .reflex, to: .pattern, at: time),
                         Self.modeSwitch("ada", version: 5, from: .pattern, to: .guardian, at: time)]
            #expect(try await checkpoints.write(offsets: [:], epochs: [:], states: [Self.state("ada", version: 5)], switches: first) == nil)
            #expect(try await transitions.currentMode(of: "ada")?.mode == .guardian)
            #expect(try await transitions.currentMode(of: "ada")?.switchID == first[2].switchID)

            let second = [Self.modeSwitch("ada", version: 6, from: .guardian, to: .pattern, at: time)]
            // A replay writes the first checkpoint's switches again: they keep their place.
            #expect(try await checkpoints.write(offsets: [:], epochs: [:], states: [Self.state("ada", version: 6)], switches: first + second) == nil)
            let current = try await transitions.currentMode(of: "ada")
            #expect(current?.mode == .pattern && current?.switchID == second[0].switchID)
            let listed = try await transitions.transitions(of: "ada", since: nil, limit: 10) ?? []
            #expect(listed.compactMap { try? JSONParser.parse($0)["switch_id"]?.stringValue } == (first + second).reversed().map(\.switchID))
            #expect(try await transitions.transitions(of: "ada", since: nil, limit: 2)?.count == 2)
        }
    }

    @Test func aUserDecidedForButNeverSwitchedIsInTheInitialMode() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let checkpoints = CheckpointStore(client: client, group: "g", logger: TestDatabase.logger)
            let transitions = TransitionStore(client: client, logger: TestDatabase.logger)
            #expect(try await transitions.currentMode(of: "ben") == nil)
            #expect(try await transitions.transitions(of: "ben", since: nil, limit: 10) == nil)
            #expect(try await checkpoints.write(offsets: [:], epochs: [:], states: [Self.state("ben", version: 1)], switches: []) == nil)
            let current = try await transitions.currentMode(of: "ben")
            #expect(current == .init(userID: "ben", mode: .pattern, confidence: 0.5, since: nil, switchID: nil, configVersion: nil))
            #expect(try await transitions.transitions(of: "ben", since: nil, limit: 10) == [])
        }
    }

    /// Every lookup reads only the user's rows, through the index (for a
    /// user with fewer rows than the limit PostgreSQL may read them all and sort).
    @Test func lookupsUseThePerUserIndex() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            try await client.query("""
                INSERT INTO mode_transitions (switch_id, user_id, previous_mode, new_mode, reason_code, confidence, event_time, config_version, payload)
                SELECT md5(g::text), 'user-' || (g % 500), 'pattern', 'reflex', 'heart_rate_elevated', 0.8,
                       timestamptz '2026-01-01 00:00:00+00' + (g / 500) * interval '10 minutes', 'a5ea508096a7', '{}'::jsonb
                FROM generate_series(1, 20000) AS g
                """)
            try await client.query("ANALYZE mode_transitions")
            let queries = [TransitionStore.currentModeQuery(of: "user-7"), TransitionStore.transitionsQuery(of: "user-7", since: nil, limit: 50),
                           TransitionStore.transitionsQuery(of: "user-7", since: TimestampParser.parse("2026-01-02T00:00:00Z"), limit: 50)]
            for query in queries {
                var plan = ""
                for try await line in try await client.query(PostgresQuery(unsafeSQL: "EXPLAIN " + query.sql, binds: query.binds)).decode(String.self) {
                    plan += line + "\n"
                }
                #expect(plan.contains("mode_transitions_user_recent") && !plan.contains("Seq Scan"), "\(query.sql)\n\(plan)")
            }
        }
    }
}
