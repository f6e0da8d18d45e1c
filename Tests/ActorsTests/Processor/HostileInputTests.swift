import Actors
import Foundation
import Pipeline
import PostgresNIO
import Testing

/// Records no honest sender writes, through the live processor: each ends
/// dead-lettered with its reason, and the processor goes on deciding the
/// next user without a restart. Before, a year-4001 sample trapped the
/// process (SIGILL) at the same offset after every restart, a batch of
/// 100,000 rejected samples made a dead letter larger than Kafka accepts,
/// and a user id with a NUL byte made the state load retry for ever.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct HostileInputTests {
    static let receivedAt = "2026-11-20T08:00:00.000Z"

    /// A canonical record whose event time is `json`.
    static func canonical(_ user: String, timestamp json: String) -> KafkaProducerRecord {
        let body = #"{"event_id":"\#(user)-e","timestamp":\#(json),"readings":[{"metric":"heart_rate","value":150}]}"#
        return record(key: Array(user.utf8), provider: "canonical", body: body)
    }

    static func healthKit(_ user: String, samples: String) -> KafkaProducerRecord {
        record(key: Array(user.utf8), provider: "apple_health", body: #"{"user_id":"\#(user)","samples":[\#(samples)]}"#)
    }

    static func record(key: [UInt8], provider: String, body: String, extraHeaders: [KafkaHeader] = []) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: "biometric-events", key: key, value: Array(body.utf8), headers: [
            KafkaHeader(name: "provider", value: provider), KafkaHeader(name: "received-at", value: receivedAt),
        ] + extraHeaders)
    }

    /// Every timestamp class, oversized rejections and invalid ids are dead-lettered; the next user is still decided.
    @Test func hostileRecordsAreDeadLetteredAndTheNextUserDecided() async throws {
        var hostile: [(record: KafkaProducerRecord, reason: String)] = []
        for (index, sample) in HostileTimestampCases.all.enumerated() {
            hostile.append((Self.canonical("time-\(index)", timestamp: sample.json), sample.reason))
            let healthKit = Self.healthKit("sample-\(index)", samples: #"{"type":"heartRate","value":150,"timestamp":\#(sample.json)}"#)
            hostile.append((healthKit, sample.reason.isEmpty ? "" : "no_valid_readings"))
        }
        hostile.append((Self.canonical("late", timestamp: #""2026-11-20T08:00:00Z""#).with(header: "received-at", value: "4001-01-01T00:00:00Z"), "malformed_envelope"))
        hostile.append((Self.record(key: Array("nul\u{0}user".utf8), provider: "canonical", body: "{}"), "invalid_id"))
        hostile.append((Self.record(key: Array(repeating: UInt8(ascii: "k"), count: 5_000), provider: "canonical", body: "{}"), "invalid_id"))
        hostile.append((Self.record(key: [0xFF, 0xFE], provider: "canonical", body: "{}"), "invalid_id"))
        hostile.append((Self.canonical("long-delivery", timestamp: #""2026-11-20T08:00:00Z""#)
            .with(header: "delivery-id", value: String(repeating: "d", count: 5_000)), "invalid_id"))
        hostile.append((Self.record(key: Array("long-event".utf8), provider: "canonical",
                                    body: #"{"event_id":"\#(String(repeating: "e", count: 5_000))","timestamp":"2026-11-20T08:00:00Z","readings":[]}"#), "invalid_id"))
        // 200 KB: one valid sample and 99,999 that are not objects.
        let partial = Self.healthKit("partial", samples: #"{"type":"heartRate","value":70,"timestamp":"2026-11-20T07:59:00Z"}"#
            + String(repeating: ",1", count: 99_999))
        #expect(partial.value.count > 200_000)
        let cases = hostile

        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            let processor = try fixture.startProcessor()
            let producer = try KafkaTestSupport.producer(fixture.bootstrapServers)
            for (record, _) in cases { try await producer.send(record) }
            try await producer.send(partial)
            // The next user, after everything above in every partition.
            for partition in 0..<4 {
                var next = Self.canonical("next-\(partition)", timestamp: #""2026-11-20T08:00:00Z""#)
                next.partition = Int32(partition)
                try await producer.send(next)
            }
            await producer.close()

            try await eventually("every next user decided: a switch to reflex each", timeout: .seconds(120)) {
                try await ProcessorChecks.storedSwitchIDs(fixture.client).count >= 4 + HostileTimestampCases.decidedCount
            }
            #expect(processor.isRunning, "\(processor.log.suffix(2_000))")

            let expectedReasons = cases.map(\.reason).filter { !$0.isEmpty }.sorted()
            let letters = try await fixture.records(of: "biometric-events.dlq")
            let wholeLetters = letters.filter { $0.header("reason")?.stringValue != "partial" }
            #expect(wholeLetters.compactMap { $0.header("reason")?.stringValue }.sorted() == expectedReasons)
            for letter in wholeLetters where letter.header("reason")?.stringValue == "no_valid_readings" {
                let samples = letter.header("rejected-samples")?.stringValue ?? ""
                #expect(samples.hasSuffix(":future_timestamp") || samples.hasSuffix(":malformed_timestamp"), "\(samples)")
            }
            let partialLetter = try #require(letters.first { $0.header("reason")?.stringValue == "partial" })
            #expect(partialLetter.header("rejected-counts")?.stringValue == "unsupported_type:99999")
            #expect(partialLetter.header("rejected-samples")?.stringValue.split(separator: ",").count == 100)
            #expect(partialLetter.value == partial.value, "the original bytes fit once the list is summarised")

            let stop = await processor.terminate()
            #expect(stop.status == 0, "\(processor.log.suffix(2_000))")
        }
    }

    /// A data error is permanent: retrying the checkpoint would stall every
    /// partition for ever (before, the processor stopped on it). The refused
    /// user's partition is read again from its last checkpoint, that user's
    /// records are dead-lettered, and every other user ends as `replay` decides.
    ///
    /// PostgreSQL refusing one user's row (SQLSTATE 22023): that user's records are dead-lettered, every other user as replay decides.
    @Test func aDataErrorOnOneUsersRowDeadLettersThatUser() async throws {
        let workload = EnvelopeWorkload(envelopes: 20_000, users: 200, seed: 7)
        let refusedUser = "user-7"
        let expected = await workload.replay(excluding: [refusedUser])
        let refusedRecords = workload.items.filter { $0.userID == refusedUser }.count
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await fixture.client.query(PostgresQuery(unsafeSQL: """
                CREATE FUNCTION refuse_one_user() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.user_id = '\(refusedUser)' THEN RAISE EXCEPTION 'this user is refused' USING ERRCODE = '22023'; END IF;
                  RETURN NEW;
                END $$
                """), logger: TestDatabase.logger)
            try await fixture.client.query(PostgresQuery(unsafeSQL: """
                CREATE TRIGGER refuse_one_user BEFORE INSERT OR UPDATE ON user_state FOR EACH ROW EXECUTE FUNCTION refuse_one_user()
                """), logger: TestDatabase.logger)
            let processor = try fixture.startProcessor()
            let ends = try await fixture.produce(workload)
            try await fixture.waitUntilCheckpointed(ends)
            #expect(processor.isRunning, "\(processor.log.suffix(2_000))")
            let refusedLetters = try processor.metrics()[#"auren_dlq_messages_total{stage="checkpoint",reason="storage_refused"}"#] ?? 0
            #expect(refusedLetters > 0, "the refusal is counted where an operator looks")
            let stop = await processor.terminate()
            #expect(stop.status == 0, "\(processor.log.suffix(2_000))")

            #expect(try await ProcessorChecks.states(fixture.client) == expected.states, "every other user's state as replay decides, none for \(refusedUser)")
            #expect(try await ProcessorChecks.storedSwitchIDs(fixture.client) == Set(expected.switches.map(\.switchID)))
            let letters = try await fixture.records(of: "biometric-events.dlq")
            let refused = letters.filter { $0.header("reason")?.stringValue == "storage_refused" }
            #expect(!refused.isEmpty && refused.allSatisfy { $0.key == Array(refusedUser.utf8) && $0.header("stage")?.stringValue == "checkpoint" })
            let refusedOffsets = refused.compactMap { $0.header("original-offset")?.stringValue }
            #expect(Set(refusedOffsets).count == refusedOffsets.count, "no record of the refused user is dead-lettered twice as refused")
            let lettered = Set(letters.filter { $0.key == Array(refusedUser.utf8) }.compactMap { $0.header("original-offset")?.stringValue })
            #expect(lettered.count == refusedRecords, "each of the refused user's \(refusedRecords) records is dead-lettered")
        }
    }
}

/// The timestamp classes of `HostileTimestampTests`, as canonical event times.
enum HostileTimestampCases {
    static let all: [(json: String, reason: String)] = [
        (#""4001-01-01T00:00:00Z""#, "future_timestamp"),
        (#""9999-12-31T23:59:59.999999999Z""#, "future_timestamp"),
        (#""0000-01-01T00:00:00Z""#, "malformed_timestamp"),
        (#""1677-12-31T23:59:59Z""#, "malformed_timestamp"),
        ("64092211200", "future_timestamp"),
        ("64092211200000", "future_timestamp"),
        ("1e300", "malformed_timestamp"),
        ("-9223372036854775808", "malformed_timestamp"),
        ("9223372036854775807", "malformed_timestamp"),
        ("-5000000000", ""),  // 1811: a time the clock holds, decided
    ]

    /// Users of `all` whose event is decided (and switches to reflex).
    static var decidedCount: Int { all.filter { $0.reason.isEmpty }.count * 2 }
}

extension KafkaProducerRecord {
    /// The same record with header `name` set to `value`.
    func with(header name: String, value: String) -> KafkaProducerRecord {
        var copy = self
        copy.headers.removeAll { $0.name == name }
        copy.headers.append(KafkaHeader(name: name, value: value))
        return copy
    }
}
