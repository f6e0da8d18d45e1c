import Foundation
import Testing

/// `biometric-bridge bench pipeline`'s options as a user types them, and one
/// short run end to end; the figures themselves are measured by hand, from
/// release builds (a test asserts behaviour, not speed).
struct BenchCommandTests {
    @Test(arguments: ["50", "fast", "inf", ""])
    func aLatencyRateThatIsNeitherEventsPerSecondNorHalfIsRefused(value: String) async throws {
        let bench = try await BridgeCommand.run(["bench", "pipeline", "--latency-rate", value])
        #expect(bench.status == 64, "\(bench.errors)")
        #expect(bench.errors.contains("expected events/s (at least 100) or 'half'"), "\(bench.errors)")
    }

    @Test func theHelpSaysWhereTheLatencyIsMeasured() async throws {
        let help = try await BridgeCommand.run(["bench", "pipeline", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("--latency-rate <events/s|half>"), "\(help.output)")
        #expect(help.output.contains("half the 100000 events/s target"))
    }

    @Test func aWorkloadIsOneOfTheNamedOnes() async throws {
        let bench = try await BridgeCommand.run(["bench", "pipeline", "--workload", "stormy"])
        #expect(bench.status == 64, "\(bench.errors)")
        #expect(bench.errors.contains("mixed") && bench.errors.contains("switch-heavy"), "\(bench.errors)")
    }

    /// Every stage shows in the timeline, every record of the latency run
    /// is in a decided batch, and each checkpoint goes barrier → seals (one
    /// per shard) → write, in that order.
    @Test func aShortRunWritesTheLatencyRunsTimeline() async throws {
        _ = try TestDatabase.serverSettings
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("timeline-\(UUID().uuidString).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bench = try await BridgeCommand.run(
            // Small and slow, so that it takes little from the tests beside it.
            ["bench", "pipeline", "--events", "1000", "--users", "50", "--shards", "2", "--latency-rate", "500", "--latency-seconds", "1",
             "--timeline", path, "--json"],
            within: .seconds(300))
        #expect(bench.status == 0, "\(bench.errors.suffix(3_000))")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(bench.output.utf8)) as? [String: Any], "\(bench.output)")
        let cycle = try #require(result["latencyCheckpointCycle"] as? [String: Any])
        #expect((cycle["checkpoints"] as? Int ?? 0) > 0, "\(result)")

        let entries = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        let kinds = entries.compactMap { $0["event"] as? String }
        #expect(Set(kinds) == ["forwarded", "decided", "barrier_sent", "sealed", "written"])
        let times = entries.compactMap { $0["at_ms"] as? Double }
        #expect(times.count == entries.count && times == times.sorted())
        let decided = entries.filter { $0["event"] as? String == "decided" }.reduce(0) { $0 + ($1["records"] as? Int ?? 0) }
        #expect(decided == result["latencyEvents"] as? Int)

        var sent = Set<Int>()
        var seals: [Int: Int] = [:]
        for entry in entries {
            guard let barrier = entry["barrier"] as? Int else { continue }
            switch entry["event"] as? String {
            case "barrier_sent": sent.insert(barrier)
            case "sealed": seals[barrier, default: 0] += 1
            case "written" where sent.contains(barrier): #expect(seals[barrier] == 2, "barrier \(barrier) written after \(seals[barrier] ?? 0) of 2 seals")
            default: break
            }
        }
        #expect(!sent.isEmpty)
    }
}
