import Actors
import Foundation
import Pipeline
import Testing
import Workbench

/// `GET /v1/users/{id}/mode` and `/transitions` over HTTP from a real
/// ingress process, answering from what a real processor process wrote.
@Suite(.serialized) struct AgentAPITests {
    static let keys = ["agent-key-old", "agent-key-new"]

    @Test func answersFromTheProcessorsTransitions() async throws {
        try await ProcessorFixture.run { fixture in
            // Checkpoints on the interval never come during the test: only
            // the one a switch starts at once can make a switch visible.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("thresholds.yaml")
            try "checkpoint:\n  interval_seconds: 3600\n  max_dirty_users: 100000\n".write(to: file, atomically: true, encoding: .utf8)
            let processor = try fixture.startProcessor(configPath: file.path)
            let ingress = try fixture.start(role: "ingress", environment: ["AGENT_API_KEYS": Self.keys.joined(separator: ",")])
            try await eventually("the ingress listening") { ingress.httpPort != nil }
            let port = try #require(ingress.httpPort)
            func get(_ path: String, key: String? = Self.keys[1]) throws -> HTTPConnection.Reply {
                try HTTPConnection(port: port).send(method: "GET", path: path, headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [])
            }
            func error(_ reply: HTTPConnection.Reply) -> String? { (try? JSONParser.parse(reply.body))?["error"]?.stringValue }

            let missing = try get("/v1/users/ada/mode", key: nil)
            #expect(missing.status == 401 && error(missing) == "missing_api_key")
            let wrong = try get("/v1/users/ada/mode", key: "agent-key-guessed")
            #expect(wrong.status == 401 && error(wrong) == "invalid_api_key")
            let unknown = try get("/v1/users/ada/mode", key: Self.keys[0])
            #expect(unknown.status == 404 && error(unknown) == "unknown_user", "\(unknown.text)")
            #expect(try get("/v1/users/ada/transitions").status == 404)
            #expect(error(try get("/v1/users/ada/transitions?limit=0")) == "invalid_limit")
            #expect(error(try get("/v1/users/ada/transitions?limit=99999999999999999999")) == "invalid_limit")
            #expect(error(try get("/v1/users/ada/transitions?since=yesterday")) == "invalid_since")
            #expect(try get("/v1/users/ada/mode", key: nil).status == 401, "authentication comes before any lookup")

            // 105 bpm: reflex, heart_rate_elevated — the user's first decided event (version 1).
            _ = try await EnvelopeWorkload.sendHeartRates(105, users: ["ada"], at: "2026-11-20T08:00:00Z", to: fixture.bootstrapServers, eventSuffix: "1")
            var mode: JSONValue?
            try await eventually("the switch to reflex visible through the API", timeout: .seconds(60)) {
                mode = try JSONParser.parse(try get("/v1/users/ada/mode").body)
                return mode?["mode"]?.stringValue == "reflex"
            }
            #expect(mode?["user_id"]?.stringValue == "ada")
            #expect(mode?["switch_id"]?.stringValue == ModeSwitch.switchID(userID: "ada", version: 1))
            #expect(mode?["since"]?.stringValue == "2026-11-20T08:00:00.000Z")
            #expect(mode?["config_version"]?.stringValue == (try ConfigurationLoader.load(yaml: String(contentsOf: file, encoding: .utf8))).version)
            if case .number(let confidence) = mode?["confidence"] { #expect((0.5...1).contains(confidence)) } else { Issue.record("no confidence") }

            // 62 bpm half an hour later: back to pattern (version 2).
            _ = try await EnvelopeWorkload.sendHeartRates(62, users: ["ada"], at: "2026-11-20T08:30:00Z", to: fixture.bootstrapServers, eventSuffix: "2")
            try await eventually("the switch back to pattern visible", timeout: .seconds(60)) {
                try JSONParser.parse(try get("/v1/users/ada/mode").body)["mode"]?.stringValue == "pattern"
            }
            let contract = try ModeSwitchContract.load()
            let all = try JSONParser.parse(try get("/v1/users/ada/transitions").body)["transitions"]?.arrayValue ?? []
            #expect(all.map { $0["switch_id"]?.stringValue } == [2, 1].map { ModeSwitch.switchID(userID: "ada", version: $0) }, "newest first")
            #expect(all.map { $0["new_mode"]?.stringValue } == ["pattern", "reflex"])
            #expect(all.allSatisfy { contract.schema.violations(of: $0).isEmpty })
            let newest = try JSONParser.parse(try get("/v1/users/ada/transitions?limit=1").body)["transitions"]?.arrayValue ?? []
            #expect(newest.map { $0["new_mode"]?.stringValue } == ["pattern"])
            let recent = try JSONParser.parse(try get("/v1/users/ada/transitions?since=2026-11-20T08:10:00Z").body)["transitions"]?.arrayValue ?? []
            #expect(recent.count == 1)
            #expect(processor.isRunning)
            #expect(await ingress.terminate().status == 0)
        }
    }
}
