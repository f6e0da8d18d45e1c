import Actors
import Foundation
import Testing
import Workbench

/// `biometric-bridge demo` as a newcomer runs it: in a process of its own,
/// through the real ingress, Kafka (mock) and processor. One at a time: a
/// demo starting beside another's kill would clean up after it first.
@Suite(.serialized)
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
                      "each switch applied once", "the scripted episodes switched as scripted",
                      "every published switch follows \(ModeSwitchContract.path)"] {
            #expect(output.contains("✓ \(check)"), "\(check): \(output)")
        }
        #expect(output.contains("mode switches  18: reflex 3, guardian 3, hypothesis 3, pattern 9"), "\(output)")
        let html = try String(contentsOf: report, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("demo-user-0") && html.contains("→ reflex · hrv_drop"))
    }

    @Test func ctrlCStopsCleanlyAndLeavesNoClusterBehind() async throws {
        let demo = try BridgeCommand(["demo", "--users", "2", "--minutes", "2", "--report", "/dev/null"], environment: Self.basicEnvironment)
        try await eventually("the demo is sending", timeout: .seconds(90)) { demo.errorsSoFar.contains("simulating") }
        let folder = try #require(Self.clusterFolder(in: demo.errorsSoFar))
        #expect(FileManager.default.fileExists(atPath: folder))
        try await Task.sleep(for: .seconds(2))
        kill(demo.process.processIdentifier, SIGINT)
        let stopped = await demo.finish(within: .seconds(30))
        #expect(stopped.status == 130, "\(stopped.errors)")
        #expect(!FileManager.default.fileExists(atPath: folder), "the cluster's folder \(folder) is left behind")
        let leftovers = try Self.processes(using: folder)
        #expect(leftovers.isEmpty, "processes still using \(folder): \(leftovers)")
        try Self.remove(folder)
    }

    @Test func theNextDemoStopsAndRemovesTheClusterOfAKilledOne() async throws {
        let arguments = ["demo", "--users", "2", "--minutes", "2", "--report", "/dev/null"]
        let killed = try BridgeCommand(arguments, environment: Self.basicEnvironment)
        try await eventually("the first demo is sending", timeout: .seconds(90)) { killed.errorsSoFar.contains("simulating") }
        let folder = try #require(Self.clusterFolder(in: killed.errorsSoFar))
        kill(killed.process.processIdentifier, SIGKILL)
        _ = await killed.finish(within: .seconds(30))
        #expect(FileManager.default.fileExists(atPath: folder), "SIGKILL leaves the folder")
        #expect(try !Self.processes(using: folder).isEmpty, "and the server running")

        // Folders without a lock (an older version's) count as abandoned after an hour.
        let temporary = FileManager.default.temporaryDirectory
        let stale = temporary.appendingPathComponent("auren-demo-pg-stale-\(UUID().uuidString.prefix(8))")
        let fresh = temporary.appendingPathComponent("auren-demo-pg-fresh-\(UUID().uuidString.prefix(8))")
        for unlocked in [stale, fresh] { try FileManager.default.createDirectory(at: unlocked, withIntermediateDirectories: true) }
        try FileManager.default.setAttributes([.modificationDate: Date.now.addingTimeInterval(-7_200)], ofItemAtPath: stale.path)
        defer { try? FileManager.default.removeItem(at: fresh) }

        let next = try BridgeCommand(arguments, environment: Self.basicEnvironment)
        try await eventually("the next demo is sending", timeout: .seconds(90)) { next.errorsSoFar.contains("simulating") }
        #expect(!FileManager.default.fileExists(atPath: folder), "the killed demo's folder \(folder) is still there")
        #expect(try Self.processes(using: folder).isEmpty, "the killed demo's server still runs")
        #expect(!FileManager.default.fileExists(atPath: stale.path), "an unlocked folder two hours old is left behind")
        #expect(FileManager.default.fileExists(atPath: fresh.path), "an unlocked folder made just now is removed")
        let ownFolder = try #require(Self.clusterFolder(in: next.errorsSoFar))
        #expect(FileManager.default.fileExists(atPath: ownFolder), "a running demo's cluster is left alone")
        kill(next.process.processIdentifier, SIGINT)
        #expect(await next.finish(within: .seconds(30)).status == 130)
        try Self.remove(folder)
    }

    /// The throw-away cluster's folder, as the demo announces it.
    static func clusterFolder(in output: String) -> String? {
        output.firstMatch(of: /in (\/\S+auren-demo-pg-\S+), removed on exit/).map { String($0.1) }
    }

    static func processes(using folder: String) throws -> [Int32] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init).filter { pid in
            let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return commandLine.contains(folder)
        }
    }

    /// A failed run must not leave a server behind for the rest of the suite.
    static func remove(_ folder: String) throws {
        for pid in try processes(using: folder) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
