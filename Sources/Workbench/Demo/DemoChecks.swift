import Actors
import Logging
import PostgresNIO
import Pipeline

/// The checks a demo or load run ends with that only need what the sender
/// saw and what PostgreSQL holds, for the in-process demo and a bridge
/// running elsewhere alike.
enum DemoChecks {
    static func everyRequestAnswered(_ answers: [Int: Int]) -> DemoResult.Check {
        let other = answers.filter { $0.key != 202 }.map { "\($0.value) × \($0.key == 0 ? "no answer" : String($0.key))" }
        return .init(name: "every request answered 2xx", passed: other.isEmpty,
                     detail: other.isEmpty ? "\(answers[202, default: 0]) × 202" : other.joined(separator: ", "))
    }

    /// Notifications count as requests: each must become exactly one fetched record.
    static func oneRecordPerRequest(_ result: DemoResult, fetched: Int) -> DemoResult.Check {
        let accepted = result.answers[202, default: 0]
        return .init(name: "every accepted request is one record", passed: Int64(accepted) == result.recordsInTopic,
                     detail: "\(accepted) accepted, \(result.recordsInTopic) in biometric-events (\(fetched) of them fetched for notifications)")
    }

    static func scripted(_ switches: [DemoResult.Switch], scenario: DemoScenario) -> DemoResult.Check {
        var wrongUsers: [String] = []
        let byUser = Dictionary(grouping: switches, by: \.user)
        for user in 0..<scenario.users {
            let actual = (byUser[user] ?? []).map { DemoScenario.Expected(mode: $0.mode, reason: $0.reason) }
            if actual != scenario.expected(for: user) {
                wrongUsers.append("\(DemoScenario.userID(user)): \(actual) instead of \(scenario.expected(for: user))")
            }
        }
        return .init(name: "the scripted episodes switched as scripted", passed: wrongUsers.isEmpty,
                     detail: wrongUsers.isEmpty ? "\(scenario.users) users × \(scenario.expected(for: 0).count) switches" : wrongUsers.prefix(3).joined(separator: "; "))
    }

    /// The switches in `mode_transitions`, oldest first per user.
    static func storedSwitches(_ client: PostgresClient, logger: Logger) async throws -> [DemoResult.Switch] {
        let rows = try await client.query("""
            SELECT user_id, (extract(epoch FROM event_time) * 1000)::bigint, new_mode, reason_code
            FROM mode_transitions ORDER BY user_id, event_time
            """, logger: logger)
        var switches: [DemoResult.Switch] = []
        for try await (user, milliseconds, mode, reason) in rows.decode((String, Int64, String, String).self) {
            guard let index = Int(user.dropFirst("demo-user-".count)) else { continue }
            switches.append(.init(user: index, time: Timestamp(milliseconds: milliseconds), mode: mode, reason: reason))
        }
        return switches
    }
}
