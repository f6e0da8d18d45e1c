import Logging
import Pipeline
import PostgresNIO

/// What the agent API reads: a user's mode switches as the processor wrote
/// them to `mode_transitions`, newest first (index `mode_transitions_user_recent`).
public struct TransitionStore: Sendable {
    /// A user's mode now: their last switch, or the mode every user starts in.
    public struct CurrentMode: Sendable, Equatable {
        public let userID: String
        public let mode: CognitiveMode
        public let confidence: Double
        /// The last switch; all nil for a user the processor decided for but never switched.
        public let since: Timestamp?
        public let switchID: String?
        public let configVersion: String?
    }

    private let client: PostgresClient
    private let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Nil for a user the processor has never decided an event for.
    public func currentMode(of user: String) async throws -> CurrentMode? {
        let rows = try await client.query(Self.currentModeQuery(of: user), logger: logger)
        for try await (mode, confidence, milliseconds, switchID, configVersion) in rows.decode((String, Double, Int64, String, String).self) {
            guard let mode = CognitiveMode(rawValue: mode) else { throw StorageError("mode_transitions holds an unknown mode \(mode)") }
            return CurrentMode(userID: user, mode: mode, confidence: confidence, since: Timestamp(milliseconds: milliseconds),
                               switchID: switchID, configVersion: configVersion)
        }
        guard try await isKnown(user) else { return nil }
        return CurrentMode(userID: user, mode: .pattern, confidence: UserState.initialConfidence, since: nil, switchID: nil, configVersion: nil)
    }

    /// The user's switches at or after `since`, newest first, as their JSON;
    /// nil for a user the processor has never decided an event for.
    public func transitions(of user: String, since: Timestamp?, limit: Int) async throws -> [String]? {
        let rows = try await client.query(Self.transitionsQuery(of: user, since: since, limit: limit), logger: logger)
        var switches: [String] = []
        for try await payload in rows.decode(String.self) { switches.append(payload) }
        if switches.isEmpty, try await !isKnown(user) { return nil }
        return switches
    }

    /// The lookups, also for `bench transitions` to EXPLAIN: both walk the
    /// user's end of `mode_transitions_user_recent` and stop after `limit` rows.
    public static func currentModeQuery(of user: String) -> PostgresQuery {
        """
        SELECT new_mode, confidence, (extract(epoch FROM event_time) * 1000)::bigint, switch_id, config_version
        FROM mode_transitions WHERE user_id = \(user) ORDER BY event_time DESC, seq DESC LIMIT 1
        """
    }

    public static func transitionsQuery(of user: String, since: Timestamp?, limit: Int) -> PostgresQuery {
        guard let since else {
            return "SELECT payload::text FROM mode_transitions WHERE user_id = \(user) ORDER BY event_time DESC, seq DESC LIMIT \(limit)"
        }
        return """
            SELECT payload::text FROM mode_transitions
            WHERE user_id = \(user) AND event_time >= to_timestamp(\(since.millisecondsSinceEpoch) / 1000.0)
            ORDER BY event_time DESC, seq DESC LIMIT \(limit)
            """
    }

    private func isKnown(_ user: String) async throws -> Bool {
        let rows = try await client.query("SELECT EXISTS (SELECT 1 FROM user_state WHERE user_id = \(user))", logger: logger)
        for try await known in rows.decode(Bool.self) { return known }
        return false
    }
}
