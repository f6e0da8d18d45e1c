import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Pipeline

/// How a user connects Oura or WHOOP: the app asks `POST /connect/{provider}`
/// (signed with the user's device key) for the provider's authorize URL,
/// carrying a single-use `state`; the provider sends the user back to
/// `GET /oauth/{provider}/callback`, where the code becomes tokens, the
/// provider's user id is read, the connection is stored, and a backfill of
/// the last days is queued for the fetcher.
public final class ConnectFlow: Sendable {
    private let apis: [Provider: ProviderAPI]
    private let connections: ConnectionStore
    private let ingress: WebhookIngress
    private let settings: IngressSettings
    private let logger: Logger

    public init(apis: [ProviderAPI], connections: ConnectionStore, ingress: WebhookIngress, settings: IngressSettings, logger: Logger) {
        self.apis = Dictionary(apis.map { ($0.provider, $0) }) { first, _ in first }
        self.connections = connections
        self.ingress = ingress
        self.settings = settings
        self.logger = logger
    }

    /// `POST /connect/{provider}` with `{"user_id": …}` → `{"authorize_url": …}`.
    func connect(_ request: Request, provider name: String) async throws -> Response {
        let api = try api(name)
        try WebhookIngress.requireJSON(request)
        let body = try await ingress.collectBody(request)
        let user = try WebhookIngress.userID(in: try WebhookIngress.object(body))
        try await ingress.verifyDevice(of: user, request, body: body, now: .now)
        let state = try await storage("starting a connect flow") {
            try await connections.createState(provider: api.provider, userID: user, ttl: settings.connectStateLifetime)
        }
        let url = api.authorizeURL(state: state, redirectURI: redirectURI(api.provider, request))
        return JSONResponse.make(.ok, ["authorize_url": url])
    }

    /// `GET /oauth/{provider}/callback?code&state`: a small HTML page either way.
    func callback(_ request: Request, provider name: String) async throws -> Response {
        let api = try api(name)
        let query = request.uri.queryParameters
        if let denied = query["error"] {
            return Self.page(.badRequest, "\(api.provider.displayName) was not connected", "The provider answered: \(Self.escapeHTML(String(denied))).")
        }
        guard let code = query["code"].map(String.init), let state = query["state"].map(String.init), !code.isEmpty, !state.isEmpty else {
            throw IngressError.malformed("missing_code", "the callback needs code and state")
        }
        guard let user = try await storage("finishing a connect flow", { try await connections.consumeState(state, provider: api.provider) }) else {
            return Self.page(.badRequest, "This link has expired", "Start connecting \(api.provider.displayName) again from the app: each link works once, for ten minutes.")
        }
        let providerUserID: String
        let tokens: OAuthTokens
        do {
            tokens = try await api.exchange(code: code, redirectURI: redirectURI(api.provider, request))
            providerUserID = try await api.providerUserID(accessToken: tokens.accessToken)
        } catch {
            logger.warning("\(api.provider.rawValue) connect flow failed at the provider: \(error)", metadata: ["user": "\(UserHash.of(user))"])
            return Self.page(.badGateway, "\(api.provider.displayName) did not answer", "Please try connecting again in a few minutes.")
        }
        try await storage("storing a connection") {
            try await connections.connect(userID: user, provider: api.provider, providerUserID: providerUserID, tokens: tokens)
        }
        try await ingress.append(backfillRequest(user: user, provider: api.provider, providerUserID: providerUserID, state: state))
        logger.info("\(api.provider.rawValue) connected; backfill of \(settings.backfillDays) days queued", metadata: ["user": "\(UserHash.of(user))"])
        return Self.page(.ok, "\(api.provider.displayName) is connected", "Your last \(settings.backfillDays) days are on their way. You can close this window.")
    }

    /// The fetcher reads it like a notification and walks the list endpoints.
    private func backfillRequest(user: String, provider: Provider, providerUserID: String, state: String) -> KafkaProducerRecord {
        let end = Timestamp.now
        let start = end.adding(seconds: -Double(settings.backfillDays) * 86_400)
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("user_id", providerUserID)
        writer.key("backfill")
        writer.beginObject()
        writer.member("start", start.description)
        writer.member("end", end.description)
        writer.endObject()
        writer.endObject()
        return KafkaProducerRecord(topic: settings.topics.notifications, key: user, value: Array(writer.text.utf8), headers: [
            KafkaHeader(name: RecordHeader.provider, value: provider.rawValue),
            KafkaHeader(name: RecordHeader.receivedAt, value: end.description),
            KafkaHeader(name: RecordHeader.deliveryID, value: "backfill-" + SHA256Digest.hex(of: Array(state.utf8)).prefix(16)),
            KafkaHeader(name: RecordHeader.contentType, value: "application/json"),
        ])
    }

    private func api(_ name: String) throws(IngressError) -> ProviderAPI {
        guard let provider = Provider(rawValue: name), let api = apis[provider] else {
            throw IngressError(.notFound, "unknown_provider", "\(name) cannot be connected here (no client id is configured)")
        }
        return api
    }

    private func redirectURI(_ provider: Provider, _ request: Request) -> String {
        let base = settings.publicURL ?? "http://\(request.head.authority ?? "localhost")"
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/oauth/\(provider.rawValue)/callback"
    }

    private func storage<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            logger.warning("\(what): \(String(reflecting: error))")
            throw IngressError.accountsUnavailable
        }
    }

    private static func page(_ status: HTTPResponse.Status, _ title: String, _ text: String) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(title)</title>
            <meta name="viewport" content="width=device-width"></head>
            <body style="font-family:system-ui;max-width:32em;margin:4em auto"><h1>\(title)</h1><p>\(text)</p></body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    private static func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
