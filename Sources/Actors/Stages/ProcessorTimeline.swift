import Synchronization

/// What the stages did and when, batch by batch, while a benchmark records:
/// each batch forwarded and decided with the age of its oldest record, each
/// checkpoint barrier sent, sealed by every shard and written. Percentiles
/// say how long records waited; this says at which moments, and beside which
/// checkpoint. Off until `start`: a stage's call then costs one atomic load.
public final class ProcessorTimeline: Sendable {
    public enum Event: Sendable, Equatable {
        /// The ingest stage handed a batch to the shards.
        case forwarded(records: Int, oldestAge: Duration)
        /// A shard decided a batch, which took it `took` (state loads included).
        case decided(shard: Int, records: Int, oldestAge: Duration, took: Duration)
        case barrierSent(barrier: Int)
        /// A shard's sealer encoded and encrypted its changed states for the barrier.
        case sealed(shard: Int, barrier: Int, states: Int, took: Duration)
        /// The checkpoint of the barrier was committed, `took` after its write began.
        case written(barrier: Int, states: Int, took: Duration)
    }

    public struct Entry: Sendable, Equatable {
        /// Since `start`.
        public let at: Duration
        public let event: Event

        public init(at: Duration, event: Event) {
            self.at = at
            self.event = event
        }
    }

    /// What one recording holds: its entries in the order they were made, and how long it ran.
    public struct Recording: Sendable, Equatable {
        public let entries: [Entry]
        public let duration: Duration

        public init(entries: [Entry], duration: Duration) {
            self.entries = entries
            self.duration = duration
        }
    }

    private let recording = Atomic<Bool>(false)
    private let state = Mutex<(started: ContinuousClock.Instant, entries: [Entry])>((.now, []))

    public init() {}

    /// Forgets what an earlier recording held and records from now on.
    public func start() {
        state.withLock { $0 = (.now, []) }
        recording.store(true, ordering: .releasing)
    }

    /// Stops recording and hands over what was recorded.
    public func stop() -> Recording {
        recording.store(false, ordering: .releasing)
        return state.withLock { state in
            defer { state.entries = [] }
            return Recording(entries: state.entries, duration: .now - state.started)
        }
    }

    func record(_ event: @autoclosure () -> Event) {
        guard recording.load(ordering: .acquiring) else { return }
        let event = event()
        // The time is taken under the lock, so the entries are in time order.
        state.withLock { $0.entries.append(Entry(at: .now - $0.started, event: event)) }
    }
}
