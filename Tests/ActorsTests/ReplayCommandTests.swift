import Foundation
import Testing

/// `biometric-bridge replay` as a user runs it: the built binary on the
/// sample history shipped in `samples/`.
struct ReplayCommandTests {
    static func replay(_ arguments: [String], input: Data? = nil) async throws -> BridgeCommand.Outcome {
        try await BridgeCommand.run(["replay"] + arguments, input: input)
    }

    @Test func theSampleHistoryReplaysIdenticallyTwice() async throws {
        let first = try await Self.replay(["--input", "samples/replay-demo.ndjson"])
        let second = try await Self.replay(["--input", "samples/replay-demo.ndjson"])
        #expect(first.status == 0)
        #expect(first.output == second.output)
        let modes = first.output.split(separator: "\n").compactMap { line -> String? in
            guard let data = String(line).data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return object["new_mode"] as? String
        }
        #expect(Set(modes) == ["reflex", "pattern", "guardian", "hypothesis"])
        #expect(first.errors.contains("line 7: skipped"), "the malformed line is reported with its number")
        #expect(first.errors.contains("mode switches      \(modes.count)"))
        #expect(first.errors.contains("duplicates         1"))
    }

    @Test func standardInputAndAStricterConfiguration() async throws {
        let history = try Data(contentsOf: ProjectRoot.path("samples/replay-demo.ndjson"))
        let defaults = try await Self.replay(["--input", "-"], input: history)
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("thresholds-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: config) }
        try "thresholds:\n  hrv_drop_ms: 60\n  hrv_drop_percentage: 90\nanomalies:\n  extreme_hrv_drop_percentage: 95\n".write(to: config, atomically: true, encoding: .utf8)
        let lenient = try await Self.replay(["--input", "-", "--config", config.path], input: history)
        #expect(defaults.status == 0 && lenient.status == 0)
        #expect(defaults.output.contains("\"reason_code\":\"hrv_drop\""))
        #expect(!lenient.output.contains("\"reason_code\":\"hrv_drop\""), "thresholds come from the file")
    }

    @Test func aRefusedConfigurationNamesTheKey() async throws {
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("thresholds-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: config) }
        try "thresholds:\n  hrv_drop_ms: -1\n".write(to: config, atomically: true, encoding: .utf8)
        let run = try await Self.replay(["--input", "samples/replay-demo.ndjson", "--config", config.path])
        #expect(run.status != 0)
        #expect(run.errors.contains("thresholds.hrv_drop_ms"))
    }
}
