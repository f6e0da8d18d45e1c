import Foundation
import Testing

extension Process {
    /// Waits for the process to exit without holding a thread of the pool
    /// (a blocked pool thread stalls every other test). If it is still running
    /// after `limit`, records an issue with its threads' stacks (from gdb,
    /// when installed), kills it and returns false.
    func exit(within limit: Duration, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while isRunning, clock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        guard isRunning else { return true }
        Issue.record("\(what) did not exit within \(limit); its threads:\n\(Self.stacks(of: processIdentifier))", sourceLocation: sourceLocation)
        kill(processIdentifier, SIGKILL)
        while isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        return false
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
