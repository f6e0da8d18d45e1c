import Actors
import Foundation
import Synchronization
import Workbench

/// Samples the process's RSS once a second while a benchmark feeds users
/// through the processor: the peak, the RSS each time another tenth of the
/// users has been decided, and a progress line every ten seconds.
final class MemoryWatch: Sendable {
    private struct Samples {
        var peakBytes = 0
        var bytesByTenth: [Int] = []
    }

    private let users: Int
    private let statistics: ProcessorStatistics
    private let progress: @Sendable (String) -> Void
    private let samples = Mutex(Samples())

    init(users: Int, statistics: ProcessorStatistics, progress: @escaping @Sendable (String) -> Void) {
        self.users = users
        self.statistics = statistics
        self.progress = progress
    }

    var peakMegabytes: Double { Double(samples.withLock { $0.peakBytes }) / 1_048_576 }

    var megabytesByTenth: [Double] { samples.withLock { $0.bytesByTenth }.map { Double($0) / 1_048_576 } }

    func watch() async {
        let clock = ContinuousClock()
        let started = clock.now
        var seconds = 0
        while (try? await Task.sleep(for: .seconds(1))) != nil {
            sample()
            seconds += 1
            guard seconds % 10 == 0 else { continue }
            let totals = statistics.snapshot
            progress(String(format: "%d of %d users decided (%.0f/s), RSS %.0f MiB, %d states in memory, %d evicted, %d checkpoints",
                            totals.consumed, users, Double(totals.consumed) / (clock.now - started).seconds,
                            Double(BenchProcessor.residentBytes) / 1_048_576, totals.activeUsers, totals.evictedUsers, totals.checkpoints))
        }
    }

    func sample() {
        let resident = BenchProcessor.residentBytes
        let decided = statistics.snapshot.consumed
        samples.withLock { samples in
            samples.peakBytes = max(samples.peakBytes, resident)
            while samples.bytesByTenth.count < 10, decided >= users / 10 * (samples.bytesByTenth.count + 1) {
                samples.bytesByTenth.append(resident)
            }
        }
    }
}
