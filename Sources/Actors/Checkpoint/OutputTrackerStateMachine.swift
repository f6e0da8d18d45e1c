/// The bookkeeping of `OutputTracker`: outputs produced and not yet
/// acknowledged, per checkpoint epoch, and the checkpoints waiting for their
/// epoch's outputs. Pure; `Waiter` is whatever the shell resumes.
struct OutputTrackerStateMachine<Waiter> {
    private var outstanding: [Int: Int] = [:]
    private var failure: String?
    private var waiters: [(id: UInt64, epoch: Int, waiter: Waiter)] = []

    enum Outcome: Equatable {
        case drained
        /// The first delivery that failed: no checkpoint may be written.
        case failed(String)
        case cancelled
    }

    typealias Ready = [(waiter: Waiter, outcome: Outcome)]

    mutating func begin(epoch: Int) {
        outstanding[epoch, default: 0] += 1
    }

    mutating func complete(epoch: Int, failure: String?) -> Ready {
        outstanding[epoch, default: 0] -= 1
        if outstanding[epoch] == 0 { outstanding[epoch] = nil }
        if let failure, self.failure == nil { self.failure = failure }
        return release()
    }

    /// A checkpoint waits until nothing of `epoch` or before is outstanding;
    /// one whose task is `cancelled` does not wait.
    mutating func wait(_ waiter: Waiter, id: UInt64, through epoch: Int, cancelled: Bool) -> Ready {
        if cancelled { return [(waiter, .cancelled)] }
        waiters.append((id, epoch, waiter))
        return release()
    }

    mutating func cancel(_ id: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }

    private mutating func release() -> Ready {
        var ready: Ready = []
        waiters.removeAll { entry in
            if let failure {
                ready.append((entry.waiter, .failed(failure)))
                return true
            }
            guard !outstanding.keys.contains(where: { $0 <= entry.epoch }) else { return false }
            ready.append((entry.waiter, .drained))
            return true
        }
        return ready
    }
}
