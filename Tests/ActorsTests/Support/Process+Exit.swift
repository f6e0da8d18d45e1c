import Foundation
import Testing

extension Process {
    /// Waits for the process to exit without holding a thread of the pool
    /// (a blocked pool thread stalls every other test) and returns its exit
    /// status, or minus the signal that ended it (as Python's `subprocess`
    /// reports it, so a process killed by SIGINT is not mistaken for one
    /// that exited 130 on it).
    ///
    /// If it is still running after `limit`, records an issue with its
    /// threads' stacks (from gdb, when installed) and the end of `log`, and
    /// kills it. Foundation sees an exit only once every holder of the
    /// descriptor it gives the child has closed it, so a child that leaves a
    /// process behind still looks alive: that is an issue too, and gives nil.
    func exitStatus(
        within limit: Duration, _ what: String, log: () -> String = { "" }, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> Int32? {
        if await exited(within: limit) { return status }
        Issue.record("""
            \(what) did not exit within \(limit) (\(Self.state(of: processIdentifier))); its threads:
            \(Self.stacks(of: processIdentifier))
            the end of its log:
            \(log().suffix(3000))
            """, sourceLocation: sourceLocation)
        kill(processIdentifier, SIGKILL)
        if await exited(within: .seconds(10)) { return status }
        Issue.record("""
            \(what) is still seen as running 10 s after SIGKILL (\(Self.state(of: processIdentifier))): \
            a process it started holds the descriptor Foundation watches for its exit
            """, sourceLocation: sourceLocation)
        return nil
    }

    private func exited(within limit: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while isRunning, clock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return !isRunning
    }

    private var status: Int32 {
        terminationReason == .uncaughtSignal ? -terminationStatus : terminationStatus
    }

    /// The state letter from /proc ("Z" once it has exited and awaits its reaping).
    private static func state(of pid: Int32) -> String {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let afterName = stat.lastIndex(of: ")") else { return "no longer in /proc" }
        let state = stat[afterName...].dropFirst(2).prefix(1)
        return state == "Z" ? "exited, not yet reaped" : "state \(state)"
    }

    private static func stacks(of pid: Int32) -> String {
        let gdb = Process()
        gdb.executableURL = URL(fileURLWithPath: "/usr/bin/gdb")
        gdb.arguments = ["-p", String(pid), "-batch", "-ex", "thread apply all bt 25"]
        let output = Pipe()
        gdb.standardOutput = output
        gdb.standardError = FileHandle.nullDevice
        guard (try? gdb.run()) != nil else { return "(gdb is not installed)" }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        gdb.waitUntilExit()
        return text
    }
}
