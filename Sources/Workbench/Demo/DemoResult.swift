import Actors
import Pipeline

/// What a demo run did, for its summary table, its HTML report and its exit code.
public struct DemoResult: Sendable {
    public struct Switch: Sendable {
        public let user: Int
        public let time: Timestamp
        public let mode: String
        public let reason: String
    }

    public struct Sample: Sendable {
        public let seconds: Double
        public let answered: Int
        public let decided: Int
    }

    /// One simulated provider's side of the run.
    public struct ProviderActivity: Sendable {
        public let name: String
        /// Codes exchanged at the token endpoint: connect flows completed.
        public let connections: Int
        public let apiRequests: Int
        public let tokenRefreshes: Int
        public let spentRefreshTokensPresented: Int
        /// The fetcher's outcomes for the provider's notifications and backfills.
        public let outcomes: [String: Int]
    }

    public struct Check: Sendable {
        public let name: String
        public let passed: Bool
        public let detail: String
    }

    public var users = 0
    public var simulatedDays = 0.0
    public var wallSeconds = 0.0
    public var requests = 0
    public var answers: [Int: Int] = [:]
    public var recordsInTopic: Int64 = 0
    /// Provider notifications and backfill requests, for the fetcher.
    public var notifications: Int64 = 0
    public var providers: [ProviderActivity] = []
    public var processor = ProcessorStatistics.Snapshot()
    public var switches: [Switch] = []
    public var throughput: [Sample] = []
    public var requestLatency = LatencyHistogram()
    public var decisionLatency = LatencyHistogram()
    /// The watch's heart rate and HRV of the users drawn in the report.
    public var timelines: [Int: [(time: Timestamp, heartRate: Double, hrv: Double)]] = [:]
    public var checks: [Check] = []

    public var passed: Bool { checks.allSatisfy(\.passed) }
}
