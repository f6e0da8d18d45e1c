import Logging

/// The shell around one provider's `RequestBudget`: every request to the
/// provider waits here for its turn, and a 429 pauses this provider alone.
actor ProviderGate {
    private var budget: RequestBudget
    private let provider: String
    private let logger: Logger

    init(provider: String, windows: [RequestBudget.Window], logger: Logger) {
        budget = RequestBudget(windows: windows)
        self.provider = provider
        self.logger = logger
    }

    /// Returns when a request may go; throws only when the task is cancelled.
    func admit() async throws {
        while true {
            switch budget.request(at: .now) {
            case .proceed: return
            case .wait(let until): try await Task.sleep(until: until, clock: .continuous)
            }
        }
    }

    func pause(for wait: Duration) {
        let until = ContinuousClock.now + wait
        if budget.pausedUntil.map({ $0 < until }) ?? true {
            logger.warning("\(provider) limited our rate (429): pausing its requests for \(wait)")
        }
        budget.pause(until: until)
    }
}
