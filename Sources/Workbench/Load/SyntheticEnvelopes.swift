import Actors
import Pipeline

/// Realistic envelopes for benchmarks: users interleaved, each a few minutes
/// of event time apart; two in three canonical events (HRV and heart rate),
/// one in three HealthKit batches of three samples; strained stretches now
/// and then, so modes switch and checkpoints have work.
public struct SyntheticEnvelopes: Sendable {
    /// How often a user's body strains.
    public enum Workload: String, Sendable, CaseIterable, Codable {
        /// A stretch of 25 strained events in every 175: about one switch per
        /// 100 events.
        case mixed
        /// Strained and calm by turns, 40 events each: with the moves between
        /// modes inside a strained stretch, about five switches per 100
        /// events per user, a rate real users reach on a bad day.
        case switchHeavy = "switch-heavy"

        func isStrained(step: Int, user: Int) -> Bool {
            switch self {
            case .mixed: (step / 25 + user) % 7 == 0
            case .switchHeavy: (step / 40 + user) % 2 == 0
            }
        }
    }

    public let users: Int
    public let workload: Workload
    private let start = TimestampParser.parse("2026-11-20T00:00:00Z")!

    public init(users: Int, workload: Workload = .mixed) {
        self.users = users
        self.workload = workload
    }

    /// Readings per envelope, on average, for readings/s figures.
    public static let readingsPerEnvelope = (2.0 * 2 + 3) / 3

    /// One envelope as a sender would post it.
    public struct Envelope: Sendable {
        public let provider: Provider
        public let userID: String
        public let receivedAt: Timestamp
        public let body: [UInt8]
    }

    public func record(_ index: Int, topic: String) -> KafkaProducerRecord {
        let envelope = envelope(index)
        return KafkaProducerRecord(topic: topic, key: envelope.userID, value: envelope.body, headers: [
            KafkaHeader(name: RecordHeader.provider, value: envelope.provider.rawValue),
            KafkaHeader(name: RecordHeader.receivedAt, value: envelope.receivedAt.description),
            KafkaHeader(name: RecordHeader.deliveryID, value: "bench-\(index)"),
        ])
    }

    public func envelope(_ index: Int) -> Envelope {
        let user = index % users
        let step = index / users
        let userID = "user-\(user)"
        let time = start.adding(seconds: Double(step) * 180)
        let strained = workload.isStrained(step: step, user: user)
        let jitter = Double((index &* 2_654_435_761) % 1000) / 1000
        let hrv = strained ? 22 + jitter * 10 : 50 + jitter * 25
        let heartRate = strained ? 102 + jitter * 15 : 60 + jitter * 20
        let provider: Provider
        let body: String
        if index % 3 == 2 {
            provider = .appleHealth
            body = "{\"user_id\":\"\(userID)\",\"samples\":[{\"type\":\"HKQuantityTypeIdentifierHeartRate\",\"value\":\(Int(heartRate)),\"unit\":\"count/min\",\"timestamp\":\"\(time)\",\"source\":\"Apple Watch\"},{\"type\":\"heartRateVariabilitySDNN\",\"value\":\(Int(hrv)),\"unit\":\"ms\",\"timestamp\":\"\(time)\"},{\"type\":\"stepCount\",\"value\":\(Int(jitter * 200)),\"unit\":\"count\",\"timestamp\":\"\(time)\"}]}"
        } else {
            provider = .canonical
            body = "{\"event_id\":\"\(userID)-\(step)\",\"user_id\":\"\(userID)\",\"device_type\":\"ring\",\"timestamp\":\"\(time)\",\"readings\":[{\"metric\":\"hrv_rmssd\",\"value\":\(Int(hrv))},{\"metric\":\"heart_rate\",\"value\":\(Int(heartRate))}]}"
        }
        return Envelope(provider: provider, userID: userID, receivedAt: time, body: Array(body.utf8))
    }
}
