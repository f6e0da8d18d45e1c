import Actors
import Foundation
import Glibc
import Synchronization
import Workbench

/// One `serve --role processor` process of this executable, for `bench
/// members`: a group member as a container would run it, with its own HTTP
/// port for `/metrics` and its log in a file; stopped with SIGTERM (drain,
/// final checkpoint), as an orchestrator stops it, or killed.
final class MemberProcess: Sendable {
    let name: String
    let logPath: String
    private let port: Int
    private let process: Mutex<Process>
    private let processID: pid_t
    /// Set by `kill`, so `stop` tells the bench's own SIGKILL from one it did not send.
    private let killed = Atomic(false)

    /// `arguments` say how it takes part (`--partitions 0-39`, or a session
    /// timeout in a group); `thresholdsPath` sets the checkpoint interval;
    /// `kafkaProperties` tune the consumer for the mock broker.
    init(name: String, bootstrapServers: String, group: String, arguments: [String], database: PostgresSettings, thresholdsPath: String,
         kafkaProperties: [String: String], directory: URL) throws {
        self.name = name
        port = try FreePort.find()
        logPath = directory.appendingPathComponent("\(name).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["serve", "--role", "processor", "--insecure-development-key", "--group", group, "--instance-id", name,
                             "--http-host", "127.0.0.1", "--http-port", "\(port)", "--bootstrap-servers", bootstrapServers] + arguments
            + kafkaProperties.sorted { $0.key < $1.key }.flatMap { ["--kafka-property", "\($0.key)=\($0.value)"] }
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = database.url
        environment["BRIDGE_CONFIG"] = thresholdsPath
        environment["BRIDGE_MIGRATIONS_DIR"] = try Migration.defaultDirectory().path
        process.environment = environment
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        processID = process.processIdentifier
        self.process = Mutex(process)
    }

    /// The member's `/metrics` page; nil while its HTTP server is not up yet.
    func metrics() async throws -> ScrapedMetrics? {
        guard process.withLock({ $0.isRunning }) else { throw Stopped(member: self, status: exitStatus) }
        let port = port
        return try? await ThreadBridge.offload {
            let reply = try HTTPConnection(port: port).send(method: "GET", path: "/metrics")
            return reply.status == 200 ? ScrapedMetrics(reply.text) : nil
        }
    }

    func cpuMeter() -> CPUMeter { CPUMeter(process: processID) }

    /// SIGTERM, and waits for the exit; a member that fails to stop cleanly
    /// is an error naming its log. Nothing to do after `kill`.
    func stop() async throws {
        guard !killed.load(ordering: .relaxed) else { return }
        let status = try await ThreadBridge.offload {
            self.process.withLock { process in
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                return process.terminationStatus
            }
        }
        guard status == 0 else { throw Stopped(member: self, status: status) }
    }

    /// SIGKILL, as a crash or an out-of-memory kill ends a container, and waits for the exit.
    func kill() async throws {
        killed.store(true, ordering: .relaxed)
        try await ThreadBridge.offload {
            self.process.withLock { process in
                if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
            }
        }
    }

    private var exitStatus: Int32 { process.withLock { $0.terminationStatus } }

    struct Stopped: Error, CustomStringConvertible {
        let description: String

        init(member: MemberProcess, status: Int32) {
            description = "member \(member.name) exited with status \(status); its log is \(member.logPath)"
        }
    }
}
