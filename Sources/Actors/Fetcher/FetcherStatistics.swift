import Synchronization

/// What the fetcher did, by provider and outcome, for whoever runs it in
/// process (the demo); the same counts are `auren_fetch_notifications_total`.
public final class FetcherStatistics: Sendable {
    private let outcomes = Mutex<[String: [String: Int]]>([:])

    public init() {}

    func count(provider: String, outcome: String) {
        outcomes.withLock { $0[provider, default: [:]][outcome, default: 0] += 1 }
    }

    /// Outcome counts of one provider.
    public func outcomes(of provider: String) -> [String: Int] {
        outcomes.withLock { $0[provider] ?? [:] }
    }

    /// Notifications finished, whatever became of them.
    public var finished: Int {
        outcomes.withLock { $0.values.reduce(0) { $0 + $1.values.reduce(0, +) } }
    }
}
