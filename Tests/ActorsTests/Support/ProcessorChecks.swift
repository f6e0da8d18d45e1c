import Actors
import Foundation
import Logging
import NIOCore
import Pipeline
import PostgresNIO
import Testing
import Workbench

/// What a processor left behind, read back from PostgreSQL and Kafka.
enum ProcessorChecks {
    static let group = "biometric-bridge-processor"

    /// Waits until the stored offsets reach `ends` (every record checkpointed).
    static func waitUntilCheckpointed(_ client: PostgresClient, ends: [KafkaTopicPartition: Int64], timeout: Duration = .seconds(240),
                                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually("offsets checkpointed up to the end of every partition", timeout: timeout, sourceLocation: sourceLocation) {
            let stored = try await offsets(client)
            return ends.allSatisfy { stored[$0.key] == $0.value }
        }
    }

    static func offsets(_ client: PostgresClient) async throws -> [KafkaTopicPartition: Int64] {
        let rows = try await client.query("SELECT topic, \"partition\", \"offset\" FROM processor_offsets WHERE consumer_group = \(group)")
        var result: [KafkaTopicPartition: Int64] = [:]
        for try await (topic, partition, offset) in rows.decode((String, Int32, Int64).self) {
            result[KafkaTopicPartition(topic: topic, partition: partition)] = offset
        }
        return result
    }

    /// Every stored state, decrypted with the development key and re-encoded.
    static func states(_ client: PostgresClient) async throws -> [String: [UInt8]] {
        let cipher = try StateCipher.fromEnvironment([:], allowingDevelopmentKey: true, logger: Logger(label: "tests"))
        let rows = try await client.query("SELECT user_id, \"version\", key_id, state FROM user_state")
        var result: [String: [UInt8]] = [:]
        for try await (user, version, keyID, sealed) in rows.decode((String, Int64, String, ByteBuffer).self) {
            result[user] = try cipher.open(Array(buffer: sealed), keyID: keyID, for: .userState(user: user, version: version))
        }
        return result
    }

    /// Partitions whose owner row names `processor` (a member's name ends with its pid).
    static func partitionsOwned(by processor: BridgeProcess, _ client: PostgresClient) async throws -> Int {
        let suffix = " pid \(processor.pid)"
        var owned = 0
        for try await owner in try await client.query("SELECT owner FROM partition_owners").decode(String.self) where owner.hasSuffix(suffix) {
            owned += 1
        }
        return owned
    }

    /// Other sessions of this database inside a transaction or a statement.
    static func sessionsInTransaction(_ client: PostgresClient) async throws -> Int {
        let rows = try await client.query("""
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')
            """)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    static func storedSwitchIDs(_ client: PostgresClient) async throws -> Set<String> {
        var ids = Set<String>()
        for try await id in try await client.query("SELECT switch_id FROM mode_transitions").decode(String.self) { ids.insert(id) }
        return ids
    }

    /// Every record of a topic, read from the beginning with a fresh group
    /// up to the end the brokers report now: nothing that arrives later is
    /// needed to tell that nothing more is there.
    static func records(of topic: String, bootstrapServers: String) async throws -> [KafkaConsumerRecord] {
        let listener = RecordingListener(member: "reader")
        let consumer = try KafkaConsumer(
            configuration: KafkaTestSupport.consumerConfiguration(bootstrapServers, group: KafkaTestSupport.uniqueName("reader"), topics: [topic]),
            listener: listener)
        try await KafkaTestSupport.readToEnd(listener, topic: topic, bootstrapServers: bootstrapServers)
        try await consumer.close()
        return listener.records
    }

    /// The switch ids of the records on `neuros-mode-switches`, each record
    /// first checked against the published contract.
    static func switchIDs(in records: [KafkaConsumerRecord], sourceLocation: SourceLocation = #_sourceLocation) throws -> Set<String> {
        let contract = try ModeSwitchContract.load()
        for record in records {
            let violations = contract.violations(of: record)
            #expect(violations.isEmpty, "switch at offset \(record.offset) breaks \(ModeSwitchContract.path): \(violations)", sourceLocation: sourceLocation)
        }
        return Set(records.compactMap { record in
            guard let json = try? JSONParser.parse(record.value) else { return nil }
            return json["switch_id"]?.stringValue
        })
    }
}
