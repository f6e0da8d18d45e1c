import Logging
import NIOCore
import Pipeline
import PostgresNIO

/// The processor's PostgreSQL side: stored offsets and user states, and the
/// checkpoint transaction that writes states, offsets and mode transitions
/// together — the exactly-once cut.
public struct CheckpointStore: Sendable {
    private let client: PostgresClient
    private let group: String
    private let logger: Logger

    public init(client: PostgresClient, group: String, logger: Logger) {
        self.client = client
        self.group = group
        self.logger = logger
    }

    /// The next offset of each partition as last checkpointed; 0 when never.
    public func offsets(for partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64] {
        let group = group
        let logger = logger
        return try await client.withConnection { connection in
            try await Self.offsets(for: partitions, group: group, on: connection, logger: logger)
        }
    }

    private static func offsets(
        for partitions: [KafkaTopicPartition], group: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> [KafkaTopicPartition: Int64] {
        var result = Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(0)) })
        for (topic, members) in Dictionary(grouping: partitions, by: \.topic) {
            let numbers = members.map(\.partition)
            let rows = try await connection.query("""
                SELECT "partition", "offset" FROM processor_offsets
                WHERE consumer_group = \(group) AND topic = \(topic) AND "partition" = ANY(\(numbers))
                """, logger: logger)
            for try await (partition, offset) in rows.decode((Int32, Int64).self) {
                result[KafkaTopicPartition(topic: topic, partition: partition)] = offset
            }
        }
        return result
    }

    /// Where a member starts on a partition it was assigned.
    public struct Claim: Sendable, Hashable {
        /// The next offset to read, as last checkpointed (0 when never).
        public let offset: Int64
        /// This member's owner epoch: one more than the previous owner's.
        public let epoch: Int64
    }

    /// Takes `partitions` over for `owner`: bumps each one's owner epoch, so
    /// that every earlier owner's checkpoints are refused from now on, and
    /// reads the offsets to start at — one transaction.
    public func claim(_ partitions: [KafkaTopicPartition], owner: String) async throws -> [KafkaTopicPartition: Claim] {
        let group = group
        let logger = logger
        return try await client.withTransaction(logger: logger) { connection in
            var epochs: [KafkaTopicPartition: Int64] = [:]
            for (topic, members) in Dictionary(grouping: partitions, by: \.topic) {
                // In partition order, like the checkpoint's locks, so two claims never deadlock.
                let numbers = members.map(\.partition).sorted()
                let rows = try await connection.query("""
                    INSERT INTO partition_owners (consumer_group, topic, "partition", owner_epoch, owner, claimed_at)
                    SELECT \(group), \(topic), p, 1, \(owner), now() FROM unnest(\(numbers)::integer[]) AS t(p) ORDER BY p
                    ON CONFLICT (consumer_group, topic, "partition") DO UPDATE
                    SET owner_epoch = partition_owners.owner_epoch + 1, owner = EXCLUDED.owner, claimed_at = now()
                    RETURNING "partition", owner_epoch
                    """, logger: logger)
                for try await (partition, epoch) in rows.decode((Int32, Int64).self) {
                    epochs[KafkaTopicPartition(topic: topic, partition: partition)] = epoch
                }
            }
            let offsets = try await Self.offsets(for: partitions, group: group, on: connection, logger: logger)
            return Dictionary(uniqueKeysWithValues: partitions.map { ($0, Claim(offset: offsets[$0] ?? 0, epoch: epochs[$0] ?? 0)) })
        }
    }

    /// Sealed states of these users, by user id; absent users have none yet.
    public func states(of users: [String]) async throws -> [String: (version: Int64, keyID: String, sealed: ByteBuffer)] {
        guard !users.isEmpty else { return [:] }
        let rows = try await client.query(
            "SELECT user_id, \"version\", key_id, state FROM user_state WHERE user_id = ANY(\(users))", logger: logger)
        var states: [String: (version: Int64, keyID: String, sealed: ByteBuffer)] = [:]
        for try await (user, version, keyID, sealed) in rows.decode((String, Int64, String, ByteBuffer).self) {
            states[user] = (version, keyID, sealed)
        }
        return states
    }

    /// What a checkpoint could not write; it wrote nothing.
    public struct Refusal: Error, Sendable, Equatable {
        /// Partitions another member has claimed since this member did.
        public var fenced: Set<KafkaTopicPartition> = []
        /// Users whose rows PostgreSQL refused for the data (SQLSTATE class
        /// 22 or 23: a constraint, a trigger): writing them again fails again.
        public var users: Set<String> = []
    }

    /// One transaction: changed states (one statement), the partitions'
    /// next offsets, and the mode transitions (a replayed switch has the same
    /// id and is written once). A stored state never goes back to an older
    /// version, whoever writes it. Returns nil once written.
    ///
    /// Fencing: the transaction first locks the partitions' owner rows; if
    /// another member has claimed any of them since `epochs` were claimed, it
    /// writes nothing and names those partitions. Likewise, a row PostgreSQL
    /// refuses for its data names its user, and nothing is written.
    public func write(
        offsets: [KafkaTopicPartition: Int64], epochs: [KafkaTopicPartition: Int64], states: [ShardReport.StoredState], switches: [ModeSwitch]
    ) async throws -> Refusal? {
        do {
            return try await write(offsets: offsets, epochs: epochs, states: states, switches: switches, findingRefusedRows: false)
        } catch let failure as PostgresTransactionError where failure.closureError.map(PostgresFailure.isDataError) == true {
            // Only now the savepoints that find the refused rows: a checkpoint
            // that goes through holds its locks no longer than it must.
            return try await write(offsets: offsets, epochs: epochs, states: states, switches: switches, findingRefusedRows: true)
        }
    }

    private func write(
        offsets: [KafkaTopicPartition: Int64], epochs: [KafkaTopicPartition: Int64], states: [ShardReport.StoredState], switches: [ModeSwitch],
        findingRefusedRows: Bool
    ) async throws -> Refusal? {
        let group = group
        let logger = logger
        do {
            try await client.withTransaction(logger: logger) { connection in
                let lost = try await Self.partitionsOwnedByOthers(epochs, group: group, on: connection, logger: logger)
                guard lost.isEmpty else { throw Refusal(fenced: lost) }
                let refused = try await Self.write(
                    offsets: offsets, states: states, switches: switches, group: group, findingRefusedRows: findingRefusedRows,
                    on: connection, logger: logger)
                guard refused.isEmpty else { throw Refusal(users: refused) }
            }
            return nil
        } catch let failure as PostgresTransactionError {
            // The transaction wraps what its closure threw.
            guard let refusal = failure.closureError as? Refusal else { throw failure }
            return refusal
        }
    }

    /// Locks the owner rows of `epochs`' partitions, in partition order, and
    /// returns those whose stored epoch is not this member's.
    private static func partitionsOwnedByOthers(
        _ epochs: [KafkaTopicPartition: Int64], group: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> Set<KafkaTopicPartition> {
        var lost = Set(epochs.keys)
        for (topic, entries) in Dictionary(grouping: epochs, by: \.key.topic) {
            let numbers = entries.map(\.key.partition)
            let rows = try await connection.query("""
                SELECT "partition", owner_epoch FROM partition_owners
                WHERE consumer_group = \(group) AND topic = \(topic) AND "partition" = ANY(\(numbers))
                ORDER BY "partition" FOR UPDATE
                """, logger: logger)
            for try await (partition, epoch) in rows.decode((Int32, Int64).self) {
                let key = KafkaTopicPartition(topic: topic, partition: partition)
                if epochs[key] == epoch { lost.remove(key) }
            }
        }
        return lost
    }

    /// Returns the users whose rows PostgreSQL refused for the data, when
    /// finding them; otherwise a refusal is thrown as it comes.
    private static func write(
        offsets: [KafkaTopicPartition: Int64], states: [ShardReport.StoredState], switches: [ModeSwitch], group: String,
        findingRefusedRows: Bool, on connection: PostgresConnection, logger: Logger
    ) async throws -> Set<String> {
        var refused = try await refusedUsers(states[...], user: \.userID, finding: findingRefusedRows, on: connection, logger: logger) { states in
            try await connection.query("""
                INSERT INTO user_state (user_id, "version", key_id, state, updated_at)
                SELECT u, v, k, s, now() FROM unnest(\(states.map(\.userID)), \(states.map(\.version)),
                                                     \(states.map(\.keyID)), \(states.map(\.sealed))) AS t(u, v, k, s)
                ON CONFLICT (user_id) DO UPDATE
                SET "version" = EXCLUDED."version", key_id = EXCLUDED.key_id, state = EXCLUDED.state, updated_at = now()
                WHERE user_state."version" <= EXCLUDED."version"
                """, logger: logger)
        }
        for (topic, entries) in Dictionary(grouping: offsets, by: \.key.topic) {
            try await connection.query("""
                INSERT INTO processor_offsets (consumer_group, topic, "partition", "offset", updated_at)
                SELECT \(group), \(topic), p, o, now() FROM unnest(\(entries.map(\.key.partition)), \(entries.map(\.value))) AS t(p, o)
                ON CONFLICT (consumer_group, topic, "partition") DO UPDATE SET "offset" = EXCLUDED."offset", updated_at = now()
                """, logger: logger)
        }
        // In decision order, so the table's `seq` numbers each user's switches as they were made.
        refused.formUnion(try await refusedUsers(switches[...], user: \.userID, finding: findingRefusedRows, on: connection, logger: logger) { switches in
            try await connection.query("""
                INSERT INTO mode_transitions (switch_id, user_id, previous_mode, new_mode, reason_code, confidence,
                                              event_time, config_version, payload)
                SELECT i, u, p, n, r, c, to_timestamp(t / 1000.0), v, j::jsonb
                FROM unnest(\(switches.map(\.switchID)), \(switches.map(\.userID)), \(switches.map(\.previousMode.rawValue)),
                            \(switches.map(\.newMode.rawValue)), \(switches.map(\.reasonCode.rawValue)), \(switches.map(\.confidence)),
                            \(switches.map(\.eventTime.millisecondsSinceEpoch)), \(switches.map(\.configVersion)), \(switches.map(\.json)))
                     WITH ORDINALITY AS t(i, u, p, n, r, c, t, v, j, o)
                ORDER BY o
                ON CONFLICT (switch_id) DO NOTHING
                """, logger: logger)
        })
        return refused
    }

    /// Runs `statement` on `rows`; when `finding`, under a savepoint, and
    /// when PostgreSQL refuses it for the data, halves the rows until the
    /// refused ones are found and returns their users (the accepted halves stay written in the
    /// transaction): one bad row among ten thousand costs about thirty
    /// statements. A statement refused for each of several rows is at fault
    /// itself, not the data, and its error is thrown.
    private static func refusedUsers<Row>(
        _ rows: ArraySlice<Row>, user: (Row) -> String, finding: Bool, on connection: PostgresConnection, logger: Logger,
        _ statement: (ArraySlice<Row>) async throws -> Void
    ) async throws -> Set<String> {
        guard finding else {
            if !rows.isEmpty { try await statement(rows) }
            return []
        }
        func bisect(_ rows: ArraySlice<Row>) async throws -> (refused: Set<String>, rows: Int, error: (any Error)?) {
            guard !rows.isEmpty else { return ([], 0, nil) }
            try await connection.query("SAVEPOINT checkpoint_rows", logger: logger)
            do {
                try await statement(rows)
                try await connection.query("RELEASE SAVEPOINT checkpoint_rows", logger: logger)
                return ([], 0, nil)
            } catch where PostgresFailure.isDataError(error) {
                try await connection.query("ROLLBACK TO SAVEPOINT checkpoint_rows", logger: logger)
                try await connection.query("RELEASE SAVEPOINT checkpoint_rows", logger: logger)
                guard rows.count > 1 else { return ([user(rows.first!)], 1, error) }
                let middle = rows.startIndex + rows.count / 2
                let first = try await bisect(rows[..<middle])
                let second = try await bisect(rows[middle...])
                return (first.refused.union(second.refused), first.rows + second.rows, first.error ?? second.error)
            }
        }
        let outcome = try await bisect(rows)
        if outcome.rows == rows.count, rows.count > 1, let error = outcome.error { throw error }
        return outcome.refused
    }
}
