import Dispatch
import Synchronization

/// Tells a dedicated thread to stop, and tells its owner when it has.
final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    var isRequested: Bool { requested.load(ordering: .acquiring) }

    func request() { requested.store(true, ordering: .releasing) }

    func markFinished() { finished.signal() }

    /// Blocks until the thread finished; call through `ThreadBridge.offload`.
    func waitUntilFinished() {
        finished.wait()
        finished.signal()
    }
}
