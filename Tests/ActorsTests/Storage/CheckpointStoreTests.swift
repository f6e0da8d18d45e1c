@testable import Actors
import Foundation
import NIOCore
import PostgresNIO
import Testing

/// The checkpoint transaction against a real PostgreSQL: what it refuses,
/// and that a refusal writes nothing.
@Suite(.timeLimit(.minutes(2)))
struct CheckpointStoreTests {
    static let partition = KafkaTopicPartition(topic: "biometric-events", partition: 0)

    static func states(_ users: Range<Int>) -> [ShardReport.StoredState] {
        users.map { ShardReport.StoredState(userID: "u-\($0)", partition: partition, version: 1, keyID: "k", sealed: ByteBuffer(bytes: [1, 2, 3])) }
    }

    /// A trigger that refuses the state rows of `users` with an integrity
    /// violation (SQLSTATE 23514), as an operator's constraint would.
    static func refuseStates(of users: [String], client: PostgresClient) async throws {
        let list = users.map { "'\($0)'" }.joined(separator: ", ")
        try await client.query(PostgresQuery(unsafeSQL: """
            CREATE FUNCTION refuse_users() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.user_id IN (\(list)) THEN RAISE EXCEPTION 'refused' USING ERRCODE = '23514'; END IF;
              RETURN NEW;
            END $$
            """), logger: TestDatabase.logger)
        try await client.query(PostgresQuery(unsafeSQL: """
            CREATE TRIGGER refuse_users BEFORE INSERT OR UPDATE ON user_state FOR EACH ROW EXECUTE FUNCTION refuse_users()
            """), logger: TestDatabase.logger)
    }

    static func storedUsers(_ client: PostgresClient) async throws -> Int {
        var count = 0
        for try await users in try await client.query("SELECT count(*) FROM user_state").decode(Int.self) { count = users }
        return count
    }

    /// Rows refused for their data name their users among many, and nothing is written; without them the rest is.
    @Test func refusedRowsAreNamed() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let refused: Set = ["u-13", "u-570", "u-999"]
            try await Self.refuseStates(of: Array(refused), client: client)
            let store = CheckpointStore(client: client, group: "g", logger: TestDatabase.logger)
            let epoch = try await store.claim([Self.partition], owner: "test")[Self.partition]!.epoch
            let states = Self.states(0..<1_000)

            let refusal = try await store.write(offsets: [Self.partition: 1_000], epochs: [Self.partition: epoch], states: states, switches: [])
            #expect(refusal == CheckpointStore.Refusal(users: refused))
            #expect(try await Self.storedUsers(client) == 0)
            #expect(try await store.offsets(for: [Self.partition]) == [Self.partition: 0], "nothing written")

            let rest = states.filter { !refused.contains($0.userID) }
            #expect(try await store.write(offsets: [Self.partition: 1_000], epochs: [Self.partition: epoch], states: rest, switches: []) == nil)
            #expect(try await Self.storedUsers(client) == 997)
            #expect(try await store.offsets(for: [Self.partition]) == [Self.partition: 1_000])
        }
    }

    /// A statement refused for every row is the statement's fault: its error is thrown, not every user refused.
    @Test func aStatementRefusedForEveryRowThrows() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            try await Self.refuseStates(of: (0..<5).map { "u-\($0)" }, client: client)
            let store = CheckpointStore(client: client, group: "g", logger: TestDatabase.logger)
            let epoch = try await store.claim([Self.partition], owner: "test")[Self.partition]!.epoch
            await #expect(throws: PostgresTransactionError.self) {
                try await store.write(offsets: [Self.partition: 5], epochs: [Self.partition: epoch], states: Self.states(0..<5), switches: [])
            }
            #expect(try await Self.storedUsers(client) == 0)
        }
    }

    /// A partition another member claimed since is fenced: nothing is written.
    @Test func aPartitionClaimedSinceIsFenced() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let store = CheckpointStore(client: client, group: "g", logger: TestDatabase.logger)
            let epoch = try await store.claim([Self.partition], owner: "first")[Self.partition]!.epoch
            _ = try await store.claim([Self.partition], owner: "second")
            let refusal = try await store.write(offsets: [Self.partition: 10], epochs: [Self.partition: epoch], states: Self.states(0..<10), switches: [])
            #expect(refusal == CheckpointStore.Refusal(fenced: [Self.partition]))
            #expect(try await Self.storedUsers(client) == 0)
        }
    }
}
