import Actors
import Foundation
import Glibc
import Workbench

/// The cores a process kept busy (user and system time of all its threads)
/// over a stretch of wall-clock time: this one, or the `kafka-mock` process
/// of `--external-load`. Two cores shared by the processor, the mock broker
/// and the producer that feeds it: a latency figure means little without
/// knowing how close to saturation it was taken.
struct CPUMeter {
    private let process: pid_t?
    private let startedCPU: Double
    private let startedWall = ContinuousClock.now

    /// This process, or another one by its id.
    init(process: pid_t? = nil) {
        self.process = process
        startedCPU = Self.busySeconds(of: process)
    }

    /// Average busy cores since the meter started.
    var cores: Double {
        let wall = (ContinuousClock.now - startedWall).seconds
        return wall > 0 ? (Self.busySeconds(of: process) - startedCPU) / wall : 0
    }

    private static func busySeconds(of process: pid_t?) -> Double {
        guard let process else {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
        }
        // Fields 14 and 15 of /proc/PID/stat, in clock ticks; the command
        // name before them is in parentheses and may hold spaces.
        guard let stat = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
