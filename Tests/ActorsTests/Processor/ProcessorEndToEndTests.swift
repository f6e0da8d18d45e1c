import Actors
import Foundation
import Pipeline
import PostgresNIO
import Testing

/// The processor as deployed: its own process, the mock cluster in another,
/// a real PostgreSQL. Its decisions are checked against `replay` of the same
/// envelopes — the independent, offline run of the same domain code.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct ProcessorEndToEndTests {
    /// 100,000 envelopes for 2,000 users: every record accounted for, the same switches as replay.
    @Test func fullRun() async throws {
        let workload = EnvelopeWorkload(envelopes: 100_000, users: 2_000)
        let expected = await workload.replay()
        try await ProcessorFixture.run(brokers: 3) { fixture in
            let ends = try await fixture.produce(workload)
            let processor = try fixture.startProcessor()
            try await fixture.waitUntilCheckpointed(ends)
            let consumed = try processor.consumed()
            let stop = await processor.terminate()
            #expect(stop.status == 0, "\(processor.log.suffix(2_000))")

            // Every consumed record is exactly one of processed, dead-lettered, duplicate.
            let expectedDeadLetters = expected.summary.deadLettered + workload.malformedEnvelopes
            #expect(consumed == ["processed": expected.summary.events, "dead_lettered": expectedDeadLetters, "duplicate": expected.summary.duplicates])
            #expect(expected.summary.events + expectedDeadLetters + expected.summary.duplicates == 100_000)
            #expect(expected.summary.duplicates >= 900 && workload.malformedEnvelopes >= 400)

            // The same decisions as replay, switch ids included, and the same final states.
            let expectedIDs = Set(expected.switches.map(\.switchID))
            #expect(expectedIDs.count > 1_000)
            #expect(try await ProcessorChecks.storedSwitchIDs(fixture.client) == expectedIDs)
            let published = try await fixture.records(of: "neuros-mode-switches")
            #expect(try ProcessorChecks.switchIDs(in: published) == expectedIDs)
            #expect(published.count == expectedIDs.count, "each switch published once in an uninterrupted run")
            let states = try await ProcessorChecks.states(fixture.client)
            #expect(states.count == expected.states.count)
            #expect(states == expected.states, "byte-identical user states")

            // Dead letters carry the original bytes, key and the documented headers.
            let letters = try await fixture.records(of: "biometric-events.dlq")
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
            let source = try await fixture.records(of: "biometric-events")
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
    ///
    /// 30,000 users under a budget of 1,000 resident states: states are evicted and reloaded, the same switches and states as replay.
    @Test func aMemoryBudgetChangesNoDecision() async throws {
        let workload = EnvelopeWorkload(envelopes: 60_000, users: 30_000, seed: 9)
        let expected = await workload.replay()
        try await ProcessorFixture.run { fixture in
            let ends = try await fixture.produce(workload)
            let processor = try fixture.startProcessor(arguments: ["--max-resident-users", "1000", "--shards", "4"])
            var peakResident = 0
            try await eventually("offsets checkpointed up to the end of every partition", timeout: .seconds(240)) {
                peakResident = max(peakResident, Int((try? processor.metrics())?["auren_active_users"] ?? 0))
                let stored = try await ProcessorChecks.offsets(fixture.client)
                return ends.allSatisfy { stored[$0.key] == $0.value }
            }
            let evicted = try processor.metrics()["auren_evicted_users_total"] ?? 0
            let stop = await processor.terminate()
            #expect(stop.status == 0, "\(processor.log.suffix(2_000))")
            #expect(peakResident > 0 && peakResident < 25_000, "resident users: \(peakResident) of 30,000")
            #expect(evicted > 0, "states were evicted")
            #expect(try await ProcessorChecks.storedSwitchIDs(fixture.client) == Set(expected.switches.map(\.switchID)))
            #expect(try await ProcessorChecks.states(fixture.client) == expected.states, "byte-identical user states")
        }
    }
}
