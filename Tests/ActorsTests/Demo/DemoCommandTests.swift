import Actors
import Foundation
import Testing

/// `biometric-bridge demo` as a newcomer runs it: in a process of its own,
/// through the real ingress, Kafka (mock) and processor.
struct DemoCommandTests {
    static let basicEnvironment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LOG_LEVEL": "critical"]

    @Test func theDemoRunsEndToEndAndEveryCheckPasses() async throws {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: report) }
        var environment = Self.basicEnvironment
        environment["DATABASE_URL"] = try TestDatabase.serverSettings.url
        let demo = try await BridgeCommand.run(["demo", "--users", "3", "--minutes", "0.25", "--report", report.path], environment: environment,
                                               within: .seconds(120))
        let output = demo.output
        #expect(demo.status == 0, "\(output)\n\(demo.errors)")
        for check in ["every request answered 2xx", "every accepted request is one record", "every record consumed and accounted for",
                      "each switch applied once", "the scripted episodes switched as scripted"] {
            #expect(output.contains("✓ \(check)"), "\(check): \(output)")
        }
        #expect(output.contains("mode switches  18: reflex 3, guardian 3, hypothesis 3, pattern 9"), "\(output)")
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("demo-user-0") && html.contains("→ reflex · hrv_drop"))
    }

    @Test func ctrlCStopsCleanlyAndLeavesNoClusterBehind() async throws {
        let demo = try BridgeCommand(["demo", "--users", "2", "--minutes", "2", "--report", "/dev/null"], environment: Self.basicEnvironment)
        try await eventually("the demo is sending", timeout: .seconds(90)) { demo.errorsSoFar.contains("simulating") }
        let folder = try #require(demo.errorsSoFar.firstMatch(of: /in (\/\S+auren-demo-pg-\S+), removed on exit/)?.1).description
        #expect(FileManager.default.fileExists(atPath: folder))
        try await Task.sleep(for: .seconds(2))
        kill(demo.process.processIdentifier, SIGINT)
        let stopped = await demo.finish(within: .seconds(30))
        #expect(stopped.status == 130, "\(stopped.errors)")
        #expect(!FileManager.default.fileExists(atPath: folder), "the cluster's folder \(folder) is left behind")
        let processes = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init)
        let leftovers = processes.filter { pid in
            let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return commandLine.contains(folder)
        }
        #expect(leftovers.isEmpty, "processes still using \(folder): \(leftovers)")
        // A failed run must not leave a server behind for the rest of the suite.
        for pid in leftovers { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
