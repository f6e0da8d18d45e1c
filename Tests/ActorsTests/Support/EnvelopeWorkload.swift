import Actors
import Foundation
import Pipeline

/// A reproducible stream of envelopes for many users — HealthKit batches,
/// canonical events, WHOOP records — with some malformed and some repeated,
/// as Kafka records (for the processor) and as NDJSON lines (for `replay`),
/// in the same per-user order.
struct EnvelopeWorkload {
    struct Item {
        let userID: String
        let record: KafkaProducerRecord
        /// nil when the envelope cannot be written as a replay line (its
        /// headers are broken): the processor dead-letters it at ingest.
        let line: String?
    }

    let items: [Item]
    let malformedEnvelopes: Int
    let repeats: Int

    init(envelopes: Int, users: Int, topic: String = "biometric-events", seed: UInt64 = 1) {
        var random = SplitMix64(seed: seed)
        var items: [Item] = []
        var malformedEnvelopes = 0
        var repeats = 0
        items.reserveCapacity(envelopes)
        let start = TimestampParser.parse("2026-11-20T00:00:00Z")!
        var step = Array(repeating: 0, count: users)
        while items.count < envelopes {
            let user = Int(random.next() % UInt64(users))
            let userID = "user-\(user)"
            step[user] += 1
            let time = start.adding(seconds: Double(step[user]) * 240)
            let roll = random.unit()
            if roll < 0.01, let previous = items.last(where: { $0.userID == userID && $0.line != nil }) {
                // A provider retry: the same delivery again.
                items.append(previous)
                repeats += 1
                continue
            }
            if roll < 0.015 {
                // Broken routing metadata: only the processor sees these.
                let record = KafkaProducerRecord(topic: topic, key: userID, value: Array("{}".utf8), headers: [KafkaHeader(name: "provider", value: "canonical")])
                items.append(Item(userID: userID, record: record, line: nil))
                malformedEnvelopes += 1
                continue
            }
            let strained = (step[user] / 20 + user) % 5 == 0
            let hrv = strained ? 20 + random.unit() * 15 : 50 + random.unit() * 30
            let heartRate = strained ? 95 + random.unit() * 25 : 58 + random.unit() * 22
            let provider: String
            var dataType: String?
            let body: String
            switch roll {
            case ..<0.02:
                provider = "canonical"
                body = "{\"event_id\":\"broken-\(items.count)\",\"timestamp\":\"\(time)\"}"  // no readings: malformed_body
            case ..<0.45:
                provider = "apple_health"
                body = "{\"user_id\":\"\(userID)\",\"samples\":[{\"type\":\"HKQuantityTypeIdentifierHeartRate\",\"value\":\(Int(heartRate)),\"unit\":\"count/min\",\"timestamp\":\"\(time)\",\"source\":\"Apple Watch\"},{\"type\":\"heartRateVariabilitySDNN\",\"value\":\(Int(hrv)),\"unit\":\"ms\",\"timestamp\":\"\(time)\"}\(roll < 0.1 ? ",{\"type\":\"bodyMass\",\"value\":70,\"timestamp\":\"\(time)\"}" : "")]}"
            case ..<0.9:
                provider = "canonical"
                body = "{\"event_id\":\"\(userID)-\(step[user])\",\"user_id\":\"\(userID)\",\"timestamp\":\"\(time)\",\"readings\":[{\"metric\":\"hrv_rmssd\",\"value\":\(Int(hrv))},{\"metric\":\"heart_rate\",\"value\":\(Int(heartRate))}]}"
            default:
                provider = "whoop"
                dataType = "recovery"
                body = "{\"created_at\":\"\(time)\",\"score\":{\"recovery_score\":\(strained ? 30 : 75),\"hrv_rmssd_milli\":\(Int(hrv))}}"
            }
            let deliveryID = "msg-\(items.count)"
            var headers = [
                KafkaHeader(name: "provider", value: provider), KafkaHeader(name: "received-at", value: time.description),
                KafkaHeader(name: "delivery-id", value: deliveryID),
            ]
            if let dataType { headers.append(KafkaHeader(name: "data-type", value: dataType)) }
            let record = KafkaProducerRecord(topic: topic, key: userID, value: Array(body.utf8), headers: headers)
            let line = "{\"provider\":\"\(provider)\",\"user_id\":\"\(userID)\",\"received_at\":\"\(time)\",\"delivery_id\":\"\(deliveryID)\""
                + (dataType.map { ",\"data_type\":\"\($0)\"" } ?? "") + ",\"body\":\(body)}"
            items.append(Item(userID: userID, record: record, line: line))
        }
        self.items = items
        self.malformedEnvelopes = malformedEnvelopes
        self.repeats = repeats
    }

    /// Produces the records (in order), waits for the acknowledgements, and
    /// returns the next offset of every partition written to.
    @discardableResult
    func produce(to bootstrapServers: String, range: Range<Int>? = nil) async throws -> [KafkaTopicPartition: Int64] {
        let producer = try KafkaTestSupport.producer(bootstrapServers)
        let deliveries = DeliveryCollector()
        let selected = items[range ?? items.indices]
        for item in selected {
            try await producer.enqueue(item.record) { deliveries.add($0) }
        }
        let reports = try await deliveries.waitFor(selected.count, timeout: .seconds(180))
        await producer.close()
        var ends: [KafkaTopicPartition: Int64] = [:]
        for report in reports { ends[report.topicPartition] = max(ends[report.topicPartition] ?? 0, report.offset + 1) }
        return ends
    }

    /// One canonical envelope per user, a single heart-rate reading at `time`,
    /// each sent and acknowledged in turn; returns the next offset of every
    /// partition written to.
    static func sendHeartRates(
        _ bpm: Int, users: [String], at time: String, to bootstrapServers: String, eventSuffix: String = "hr"
    ) async throws -> [KafkaTopicPartition: Int64] {
        let producer = try KafkaTestSupport.producer(bootstrapServers)
        var ends: [KafkaTopicPartition: Int64] = [:]
        for user in users {
            let body = "{\"event_id\":\"\(user)-\(eventSuffix)\",\"timestamp\":\"\(time)\",\"readings\":[{\"metric\":\"heart_rate\",\"value\":\(bpm)}]}"
            let report = try await producer.send(KafkaProducerRecord(topic: "biometric-events", key: user, value: Array(body.utf8), headers: [
                KafkaHeader(name: "provider", value: "canonical"), KafkaHeader(name: "received-at", value: time),
            ]))
            ends[report.topicPartition] = max(ends[report.topicPartition] ?? 0, report.offset + 1)
        }
        await producer.close()
        return ends
    }

    /// What `replay` decides on the same envelopes, without those of
    /// `excludedUsers`. Yields now and then, so this long computation leaves
    /// the cooperative threads to other tests.
    func replay(configuration: BridgeConfiguration = BridgeConfiguration(), excluding excludedUsers: Set<String> = []) async -> ReplayExpectation {
        var runner = ReplayRunner(configuration: configuration)
        var switches: [ModeSwitch] = []
        for (index, item) in items.enumerated() {
            if index % 5_000 == 0 { await Task.yield() }
            guard let line = item.line, !excludedUsers.contains(item.userID) else { continue }
            if let modeSwitch = try? runner.process(line: Array(line.utf8)) { switches.append(modeSwitch) }
        }
        let users = Set(items.map(\.userID))
        var states: [String: [UInt8]] = [:]
        for user in users {
            if let state = runner.state(of: user) { states[user] = UserStateCodec.encode(state) }
        }
        return ReplayExpectation(switches: switches, summary: runner.summary, states: states)
    }
}

struct ReplayExpectation {
    let switches: [ModeSwitch]
    let summary: ReplaySummary
    /// Encoded final state per user.
    let states: [String: [UInt8]]
}
