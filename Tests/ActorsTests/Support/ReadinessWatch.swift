import Foundation
import Synchronization

/// Asks a processor's `/ready` every 200 ms on a thread of its own (the
/// request blocks) and remembers every check it named failing — what an
/// orchestrator's probe would have seen of an outage.
final class ReadinessWatch: Sendable {
    private let failing = Mutex<Set<String>>([])
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(_ processor: BridgeProcess) {
        Thread { [self] in
            while !stopped.load(ordering: .acquiring) {
                if let reply = try? processor.readiness(), reply.status == 503 {
                    let names = reply.failing.split(whereSeparator: { !$0.isLetter }).map(String.init)
                    failing.withLock { $0.formUnion(names) }
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
            finished.signal()
        }.start()
    }

    /// Stops asking; returns the names of the checks seen failing.
    func stop() -> Set<String> {
        stopped.store(true, ordering: .releasing)
        finished.wait()
        return failing.withLock { $0 }
    }
}
