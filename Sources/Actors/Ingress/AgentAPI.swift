import HTTPTypes
import Hummingbird
import Logging
import Pipeline

/// What an agent may ask the ingress: a user's current mode and their
/// transitions, read from what the processor wrote. Every request carries a
/// bearer key of `AGENT_API_KEYS` (several at once while one rotates).
public final class AgentAPI: Sendable {
    static let defaultLimit = 50
    static let maximumLimit = 500

    private let keys: [[UInt8]]
    private let store: TransitionStore
    private let logger: Logger

    public init(keys: [[UInt8]], store: TransitionStore, logger: Logger) {
        self.keys = keys
        self.store = store
        self.logger = logger
    }

    /// `GET /v1/users/{user_id}/mode` → `{user_id, mode, confidence, since, switch_id, config_version}`.
    func mode(_ request: Request, user: String) async throws -> Response {
        try authenticate(request)
        try Self.requireValid(user)
        guard let current = try await storage({ try await store.currentMode(of: user) }) else { throw Self.unknownUser }
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("user_id", current.userID)
        writer.member("mode", current.mode.rawValue)
        writer.member("confidence", current.confidence)
        writer.member("since", current.since?.description)
        writer.member("switch_id", current.switchID)
        writer.member("config_version", current.configVersion)
        writer.endObject()
        return Self.json(writer)
    }

    /// `GET /v1/users/{user_id}/transitions?since=&limit=` → `{user_id, transitions: [switch, …]}`, newest first.
    func transitions(_ request: Request, user: String) async throws -> Response {
        try authenticate(request)
        try Self.requireValid(user)
        let query = request.uri.queryParameters
        var since: Timestamp?
        if let text = query["since"] {
            guard let parsed = TimestampParser.parseInstant(String(text)) else {
                throw IngressError.malformed("invalid_since", "since must be an RFC 3339 time such as 2026-11-20T08:00:00Z")
            }
            since = parsed
        }
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            guard let parsed = Int(text), (1...Self.maximumLimit).contains(parsed) else {
                throw IngressError.malformed("invalid_limit", "limit must be a whole number from 1 to \(Self.maximumLimit)")
            }
            limit = parsed
        }
        guard let switches = try await storage({ try await store.transitions(of: user, since: since, limit: limit) }) else { throw Self.unknownUser }
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("user_id", user)
        writer.key("transitions")
        writer.beginArray()
        for payload in switches {
            // Stored as jsonb by the processor; written back member for member.
            guard let value = try? JSONParser.parse(payload) else { continue }
            writer.value(value)
        }
        writer.endArray()
        writer.endObject()
        return Self.json(writer)
    }

    private func authenticate(_ request: Request) throws(IngressError) {
        guard request.headers[.authorization] != nil else {
            throw IngressError(.unauthorized, "missing_api_key", "send Authorization: Bearer <an AGENT_API_KEYS key>")
        }
        guard let bearer = WebhookIngress.bearerToken(request) else {
            throw IngressError(.unauthorized, "invalid_api_key", "the Authorization header must be Bearer <key>")
        }
        let presented = Array(bearer.utf8)
        guard keys.contains(where: { ConstantTime.equal($0, presented) }) else {
            throw IngressError(.unauthorized, "invalid_api_key", keys.isEmpty ? "no agent API keys are configured (AGENT_API_KEYS)" : "the bearer API key is not accepted")
        }
    }

    private static func requireValid(_ user: String) throws(IngressError) {
        guard Identifier.isValid(user) else {
            throw IngressError.malformed("invalid_user_id", "the user id must be 1–\(Identifier.maximumBytes) bytes of printable UTF-8")
        }
    }

    private static let unknownUser = IngressError(.notFound, "unknown_user", "the processor has decided no event for this user")

    private func storage<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            logger.warning("agent API lookup failed: \(String(reflecting: error))")
            throw IngressError(.serviceUnavailable, "transitions_unavailable", "the database is unreachable; retry later", retryAfterSeconds: 5)
        }
    }

    private static func json(_ writer: JSONWriter) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: writer.text)))
    }
}
