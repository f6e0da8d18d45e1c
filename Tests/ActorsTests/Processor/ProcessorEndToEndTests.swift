import Actors
import Foundation
import Pipeline
import PostgresNIO
import Testing

/// The processor as deployed: its own process, the mock cluster in another,
/// a real PostgreSQL. Its decisions are checked against `replay` of the same
/// envelopes — the independent, offline run of the same domain code.
@Suite("Processor end to end", .serialized, .timeLimit(.minutes(10)))
struct ProcessorEndToEndTests {
    static let topics = ["biometric-events:16", "neuros-mode-switches:4", "biometric-events.dlq:2"]

    @Test("100,000 envelopes for 2,000 users: every record accounted for, the same switches as replay")
    func fullRun() async throws {
        let workload = EnvelopeWorkload(envelopes: 100_000, users: 2_000)
        let expected = await workload.replay()
        let cluster = try MockClusterProcess(brokers: 3, topics: Self.topics)
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { settings, client in
            let ends = try await workload.produce(to: cluster.bootstrapServers)
            let processor = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings)
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)
            let stop = await processor.terminate()
            #expect(stop.status == 0, "\(processor.log.suffix(2_000))")

            // Every consumed record is exactly one of processed, dead-lettered, duplicate.
            let expectedDeadLetters = expected.summary.deadLettered + workload.malformedEnvelopes
            let stopLine = processor.log.split(separator: "\n").last { $0.contains("stopped cleanly") }.map(String.init) ?? ""
            #expect(stopLine.contains("100000 consumed"), "\(stopLine)")
            #expect(stopLine.contains("\(expected.summary.events) processed"), "\(stopLine)")
            #expect(stopLine.contains("\(expectedDeadLetters) dead-lettered"), "\(stopLine)")
            #expect(stopLine.contains("\(expected.summary.duplicates) duplicates"), "\(stopLine)")
            #expect(expected.summary.events + expectedDeadLetters + expected.summary.duplicates == 100_000)
            #expect(expected.summary.duplicates >= 900 && workload.malformedEnvelopes >= 400)

            // The same decisions as replay, switch ids included, and the same final states.
            let expectedIDs = Set(expected.switches.map(\.switchID))
            #expect(expectedIDs.count > 1_000)
            #expect(try await ProcessorChecks.storedSwitchIDs(client) == expectedIDs)
            let published = try await ProcessorChecks.records(of: "neuros-mode-switches", bootstrapServers: cluster.bootstrapServers, atLeast: expectedIDs.count)
            #expect(ProcessorChecks.switchIDs(in: published) == expectedIDs)
            #expect(published.count == expectedIDs.count, "each switch published once in an uninterrupted run")
            let states = try await ProcessorChecks.states(client)
            #expect(states.count == expected.states.count)
            #expect(states == expected.states, "byte-identical user states")

            // Dead letters carry the original bytes, key and the documented headers.
            let letters = try await ProcessorChecks.records(of: "biometric-events.dlq", bootstrapServers: cluster.bootstrapServers, atLeast: expectedDeadLetters)
            for letter in letters {
                for name in ["original-topic", "original-partition", "original-offset", "stage", "reason", "error", "failed-at"] {
                    #expect(letter.header(name) != nil, "dead letter without \(name)")
                }
                #expect(letter.header("original-topic")?.stringValue == "biometric-events")
            }
            let whole = letters.filter { $0.header("reason")?.stringValue != "partial" }
            #expect(whole.count == expectedDeadLetters)
            let partial = letters.filter { $0.header("reason")?.stringValue == "partial" }
            #expect(!partial.isEmpty && partial.allSatisfy { $0.header("rejected-samples")?.stringValue.contains(":unsupported_type") == true })
            let reasons = Set(whole.compactMap { $0.header("reason")?.stringValue })
            #expect(reasons == ["malformed_envelope", "malformed_body"])
            // Byte-for-byte: each dead letter is the record at its original offset.
            let source = try await ProcessorChecks.records(of: "biometric-events", bootstrapServers: cluster.bootstrapServers, atLeast: 100_000)
            let byPosition = Dictionary(uniqueKeysWithValues: source.map { ("\($0.topicPartition.partition):\($0.offset)", $0) })
            for letter in letters {
                let position = "\(letter.header("original-partition")?.stringValue ?? ""):\(letter.header("original-offset")?.stringValue ?? "")"
                let original = byPosition[position]
                #expect(original?.value == letter.value && original?.key == letter.key, "dead letter \(position) keeps the original bytes")
            }
        }
    }

    /// Thirty times more users than the memory budget: clean states are
    /// dropped least recently used first and loaded again from PostgreSQL
    /// when their user's next record comes — and the decisions are replay's.
    /// The budget is soft by what is in flight: records already in the
    /// stages' inboxes when a shard reports pressure still add their users,
    /// so the peak lies between the budget and all users.
    @Test("30,000 users under a budget of 1,000 resident states: states are evicted and reloaded, the same switches and states as replay")
    func aMemoryBudgetChangesNoDecision() async throws {
        let workload = EnvelopeWorkload(envelopes: 60_000, users: 30_000, seed: 9)
        let expected = await workload.replay()
        let cluster = try MockClusterProcess(brokers: 1, topics: Self.topics)
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { settings, client in
            let ends = try await workload.produce(to: cluster.bootstrapServers)
            let processor = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings,
                                                 arguments: ["--max-resident-users", "1000", "--shards", "4"])
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)
            let stop = await processor.terminate()
            #expect(stop.status == 0, "\(processor.log.suffix(2_000))")
            let progress = processor.log.split(separator: "\n").filter { $0.contains("users in memory") }
            let resident = progress.compactMap { line in
                line.range(of: "checkpoints, ").flatMap { Int(line[$0.upperBound...].prefix { $0.isNumber }) }
            }
            #expect(!resident.isEmpty && resident.allSatisfy { $0 < 25_000 }, "resident users: \(resident.max() ?? -1) of 30,000")
            #expect(progress.last?.contains("(0 evicted)") == false, "states were evicted: \(progress.last ?? "")")
            #expect(try await ProcessorChecks.storedSwitchIDs(client) == Set(expected.switches.map(\.switchID)))
            #expect(try await ProcessorChecks.states(client) == expected.states, "byte-identical user states")
        }
    }
}
