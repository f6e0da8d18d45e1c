import Actors
import Foundation
import Testing

/// `biometric-bridge serve --role processor` in a process of its own, so a
/// test can kill it (SIGKILL) or stop it (SIGTERM) like an orchestrator would.
final class ProcessorProcess: @unchecked Sendable {
    private let process = Process()
    let logFile: URL

    init(bootstrapServers: String, database: PostgresSettings, configPath: String? = nil, arguments: [String] = []) throws {
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("processor-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = BridgeExecutable.url
        process.arguments = ["serve", "--role", "processor", "--insecure-development-key", "--session-timeout", "4", "--progress-interval", "1", "--http-port", "0"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KAFKA_BOOTSTRAP_SERVERS"] = bootstrapServers
        environment["DATABASE_URL"] = database.url
        environment["BRIDGE_CONFIG"] = configPath ?? ProjectRoot.path("config/biometric_thresholds.yaml").path
        environment["BRIDGE_MIGRATIONS_DIR"] = ProjectRoot.path("config/sql").path
        environment["LOG_LEVEL"] = "info"
        process.environment = environment
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Resident memory in bytes, from /proc.
    var residentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM; returns the exit status (see `Process.exitStatus`) and how
    /// long the exit took. A processor still running after `limit` is an
    /// issue, and is killed.
    func terminate(within limit: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation) async -> (status: Int32?, took: Duration) {
        let started = ContinuousClock.now
        if process.isRunning { process.terminate() }
        let status = await process.exitStatus(within: limit, "the processor, after SIGTERM,", log: { [self] in log }, sourceLocation: sourceLocation)
        return (status, ContinuousClock.now - started)
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: logFile)
    }
}
