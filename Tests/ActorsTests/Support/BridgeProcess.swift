import Actors
import Foundation
import Pipeline
import Testing
import Workbench

/// `biometric-bridge serve --role processor` (or another role) in a process
/// of its own, so a test can kill it (SIGKILL) or stop it (SIGTERM) like an
/// orchestrator would.
final class BridgeProcess: @unchecked Sendable {
    private let process = Process()
    let role: String
    let logFile: URL

    init(
        bootstrapServers: String, database: PostgresSettings, configPath: String? = nil, role: String = "processor", arguments: [String] = [],
        environment extra: [String: String] = [:]
    ) throws {
        self.role = role
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(role)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = BridgeExecutable.url
        process.arguments = ["serve", "--role", role, "--insecure-development-key", "--session-timeout", "4", "--progress-interval", "1", "--http-port", "0"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KAFKA_BOOTSTRAP_SERVERS"] = bootstrapServers
        environment["DATABASE_URL"] = database.url
        environment["BRIDGE_CONFIG"] = configPath ?? ProjectRoot.path("config/biometric_thresholds.yaml").path
        environment["BRIDGE_MIGRATIONS_DIR"] = ProjectRoot.path("config/sql").path
        environment["LOG_LEVEL"] = "info"
        // Static members must not share an id; the host name is everyone's here.
        environment["BRIDGE_INSTANCE_ID"] = "\(role)-\(UUID().uuidString.prefix(8))"
        environment.merge(extra) { _, explicit in explicit }
        process.environment = environment
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The port its HTTP server bound (it listens on port 0), once it logged it.
    var httpPort: Int? {
        guard let range = log.range(of: "listening on 0.0.0.0:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    /// `GET /ready`: the status and the failing checks, as the processor answers.
    func readiness() throws -> (status: Int, failing: String) {
        guard let port = httpPort else { return (0, "not listening yet") }
        let reply = try HTTPConnection(port: port).send(method: "GET", path: "/ready")
        let failing = (try? JSONParser.parse(reply.body))?["failing"]?.stringValue ?? ""
        return (reply.status, failing)
    }

    /// `GET /metrics`: each series (`auren_owned_partitions`,
    /// `auren_kafka_messages_processed_total{status="processed"}`) and its value.
    func metrics() throws -> [String: Double] {
        guard let port = httpPort else { return [:] }
        let reply = try HTTPConnection(port: port).send(method: "GET", path: "/metrics")
        var values: [String: Double] = [:]
        for line in reply.text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }

    /// Consumed records by outcome (`processed`, `dead_lettered`, `duplicate`).
    func consumed() throws -> [String: Int] {
        let prefix = "auren_kafka_messages_processed_total{status=\""
        var counts: [String: Int] = [:]
        for (series, value) in try metrics() where series.hasPrefix(prefix) {
            counts[String(series.dropFirst(prefix.count).dropLast(2))] = Int(value)
        }
        return counts
    }

    var consumedTotal: Int { ((try? consumed()) ?? [:]).values.reduce(0, +) }

    var ownedPartitions: Int { Int((try? metrics())?["auren_owned_partitions"] ?? 0) }

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
        Foundation.kill(process.processIdentifier, SIGCONT)
        process.waitUntilExit()
    }

    /// SIGSTOP: frozen as a long garbage-collection pause or a stalled VM
    /// would freeze it, its connections open and silent.
    func freeze() {
        Foundation.kill(process.processIdentifier, SIGSTOP)
    }

    /// SIGCONT after `freeze`.
    func thaw() {
        Foundation.kill(process.processIdentifier, SIGCONT)
    }

    /// SIGTERM; returns the exit status (see `Process.exitStatus`) and how
    /// long the exit took. A process still running after `limit` is an
    /// issue, and is killed.
    func terminate(within limit: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation) async -> (status: Int32?, took: Duration) {
        let started = ContinuousClock.now
        if process.isRunning { process.terminate() }
        let status = await process.exitStatus(within: limit, "the \(role) process, after SIGTERM,", log: { [self] in log }, sourceLocation: sourceLocation)
        return (status, ContinuousClock.now - started)
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: logFile)
    }
}
