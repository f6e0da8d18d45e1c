import Actors
import Glibc
import Workbench

/// The cores this process kept busy (user and system time of all its
/// threads) over a stretch of wall-clock time. Two cores shared by the
/// processor, the mock broker and the producer that feeds it: a latency
/// figure means little without knowing how close to saturation it was taken.
struct CPUMeter {
    private let startedCPU = Self.processSeconds
    private let startedWall = ContinuousClock.now

    /// Average busy cores since the meter started.
    var cores: Double {
        let wall = (ContinuousClock.now - startedWall).seconds
        return wall > 0 ? (Self.processSeconds - startedCPU) / wall : 0
    }

    private static var processSeconds: Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }
}
