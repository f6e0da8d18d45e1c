import Actors
import Foundation
import Synchronization
import Testing

/// `biometric-bridge demo` as a newcomer runs it: in a process of its own,
/// through the real ingress, Kafka (mock) and processor.
struct DemoCommandTests {
    /// A demo process whose standard error is collected as it runs.
    final class DemoProcess: Sendable {
        let process: Process
        let output = Pipe()
        private let errors = CollectedText()

        init(arguments: [String], environment: [String: String]) throws {
            process = Process()
            process.executableURL = BridgeExecutable.url
            process.arguments = ["demo"] + arguments
            process.currentDirectoryURL = ProjectRoot.url
            process.environment = environment
            let errorPipe = Pipe()
            process.standardOutput = output
            process.standardError = errorPipe
            errorPipe.fileHandleForReading.readabilityHandler = { [errors] handle in
                errors.append(String(decoding: handle.availableData, as: UTF8.self))
            }
            try process.run()
        }

        var standardError: String { errors.text }

        func finish(within limit: Duration) async -> (status: Int32, output: String) {
            _ = await process.exit(within: limit, "the demo")
            // The process is gone: its end of the pipe is closed, so this read ends.
            let data = output.fileHandleForReading.readDataToEndOfFile()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    final class CollectedText: Sendable {
        private let collected = Mutex("")

        func append(_ text: String) { collected.withLock { $0 += text } }

        var text: String { collected.withLock { $0 } }
    }

    static let basicEnvironment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LOG_LEVEL": "critical"]

    @Test func theDemoRunsEndToEndAndEveryCheckPasses() async throws {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: report) }
        var environment = Self.basicEnvironment
        environment["DATABASE_URL"] = try TestDatabase.serverSettings.url
        let demo = try DemoProcess(arguments: ["--users", "3", "--minutes", "0.25", "--report", report.path], environment: environment)
        let (status, output) = await demo.finish(within: .seconds(120))
        #expect(status == 0, "\(output)\n\(demo.standardError)")
        for check in ["every request answered 2xx", "every accepted request is one record", "every record consumed and accounted for",
                      "each switch applied once", "the scripted episodes switched as scripted"] {
            #expect(output.contains("✓ \(check)"), "\(check): \(output)")
        }
        #expect(output.contains("mode switches  18: reflex 3, guardian 3, hypothesis 3, pattern 9"), "\(output)")
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("demo-user-0") && html.contains("→ reflex · hrv_drop"))
    }

    @Test func ctrlCStopsCleanlyAndLeavesNoClusterBehind() async throws {
        let demo = try DemoProcess(arguments: ["--users", "2", "--minutes", "2", "--report", "/dev/null"], environment: Self.basicEnvironment)
        try await eventually("the demo is sending", timeout: .seconds(90)) { demo.standardError.contains("simulating") }
        let folder = try #require(demo.standardError.firstMatch(of: /in (\/\S+auren-demo-pg-\S+), removed on exit/)?.1).description
        #expect(FileManager.default.fileExists(atPath: folder))
        try await Task.sleep(for: .seconds(2))
        kill(demo.process.processIdentifier, SIGINT)
        let (status, _) = await demo.finish(within: .seconds(30))
        #expect(status == 130, "\(demo.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder), "the cluster's folder \(folder) is left behind")
        let processes = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init)
        let leftovers = processes.filter { pid in
            let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return commandLine.contains(folder)
        }
        #expect(leftovers.isEmpty, "processes still using \(folder): \(leftovers)")
    }
}
