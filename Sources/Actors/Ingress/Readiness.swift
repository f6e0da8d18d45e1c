import Synchronization

/// What `/ready` checks: each dependency answers within a deadline,
/// and a process that is shutting down is never ready.
public final class Readiness: Sendable {
    public typealias Check = @Sendable () async throws -> Void

    private let checks: [(name: String, check: Check)]
    private let timeout: Duration
    private let stopping = Atomic<Bool>(false)

    public init(checks: [(name: String, check: Check)], timeout: Duration = .seconds(2)) {
        self.checks = checks
        self.timeout = timeout
    }

    public func markStopping() {
        stopping.store(true, ordering: .relaxed)
    }

    /// The names of the failing checks; empty when ready.
    public func failing() async -> [String] {
        if stopping.load(ordering: .relaxed) { return ["shutting_down"] }
        var failed: [String] = []
        for (name, check) in checks {
            do {
                try await Deadline.run("readiness check \(name)", within: timeout, check)
            } catch {
                failed.append(name)
            }
        }
        return failed
    }
}
