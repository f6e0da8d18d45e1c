import Actors
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Pipeline
import ServiceLifecycle
import Synchronization

/// A small Oura or WHOOP cloud on loopback, behaving as the bridge's
/// provider documentation says: authorize (the simulated user logs in by
/// adding `login=<provider user id>` to the authorize URL), a token endpoint
/// with expiring access tokens and rotating single-use refresh tokens, the
/// user's identity, records by id and paginated lists, WHOOP recoveries
/// that are 404 until scored, 429 with `Retry-After` on demand, Oura webhook
/// subscriptions, and webhooks signed as the real ones. For the demo and the
/// tests; never deployed.
public final class SimulatedProviderCloud: Sendable {
    public let provider: Provider
    public let clientID: String
    public let clientSecret: String
    public let port: Int
    private let routes: ProviderCloudRoutes
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    /// The user's browser: it stops at the redirect back to the bridge.
    private let browser = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    /// Records per list page: small, so backfills page.
    static let pageSize = 3

    public static func start(_ provider: Provider, logger: Logger) async throws -> SimulatedProviderCloud {
        let clientID = "\(provider.rawValue)-client-\(ProviderCloudLedger.token().prefix(8))"
        let clientSecret = ProviderCloudLedger.token()
        let router = Router()
        let routes = ProviderCloudRoutes(provider: provider, clientID: clientID, clientSecret: clientSecret)
        routes.add(to: router)
        var quiet = logger
        quiet.logLevel = .warning
        let server = try HTTPServer(router: router, host: "127.0.0.1", port: 0, readiness: Readiness(checks: []), logger: quiet)
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: quiet))
        let running = Task { try await group.run() }
        do {
            return SimulatedProviderCloud(provider: provider, clientID: clientID, clientSecret: clientSecret,
                                          port: try await server.port, routes: routes, group: group, running: running)
        } catch {
            running.cancel()
            throw error
        }
    }

    private init(provider: Provider, clientID: String, clientSecret: String, port: Int, routes: ProviderCloudRoutes,
                 group: ServiceGroup, running: Task<Void, any Error>) {
        self.provider = provider
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.port = port
        self.routes = routes
        self.group = group
        self.running = running
    }

    public func stop() async throws {
        try await browser.shutdown()
        await group.triggerGracefulShutdown()
        try await running.value
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Oura's and WHOOP's clouds for the length of `body`, quiet, stopped however it ends.
    public static func withOuraAndWhoop<T: Sendable>(
        _ body: (SimulatedProviderCloud, SimulatedProviderCloud) async throws -> T
    ) async throws -> T {
        let quiet = Logger(label: "auren.cloud.quiet", factory: { _ in SwiftLogNoOpLogHandler() })
        let oura = try await start(.oura, logger: quiet)
        let whoop: SimulatedProviderCloud
        do {
            whoop = try await start(.whoop, logger: quiet)
        } catch {
            try? await oura.stop()
            throw error
        }
        do {
            let result = try await body(oura, whoop)
            try await oura.stop()
            try await whoop.stop()
            return result
        } catch {
            try? await oura.stop()
            try? await whoop.stop()
            throw error
        }
    }

    /// The environment a bridge needs to use this cloud as its provider.
    public var environment: [String: String] {
        let prefix = provider.rawValue.uppercased() + "_"
        return [prefix + "CLIENT_ID": clientID, prefix + "CLIENT_SECRET": clientSecret, prefix + "API_URL": url,
                prefix + "AUTHORIZE_URL": url + (provider == .oura ? "/oauth/authorize" : "/oauth/oauth2/auth")]
    }

    // MARK: Arranging

    /// Tokens for `user` as if they had connected (to import with `accounts connect`).
    public func grant(user: String) -> (access: String, refresh: String, expiresIn: Int) {
        routes.ledger.withLock { $0.issueTokens(for: user) }
    }

    public func expireAccessTokens() { routes.ledger.withLock { $0.expireAccessTokens() } }

    public func setTokenLifetime(seconds: TimeInterval) { routes.ledger.withLock { $0.tokenLifetime = seconds } }

    /// The user revoked the app: refreshing answers invalid_grant.
    public func revoke(user: String) { routes.ledger.withLock { _ = $0.revokedUsers.insert(user) } }

    /// The next `requests` API calls answer 429 with `Retry-After: seconds`.
    public func limitNext(_ requests: Int, retryAfter seconds: Int) {
        routes.ledger.withLock {
            $0.limitedRequests = requests
            $0.retryAfter = seconds
        }
    }

    /// An Oura record (`sleep` dated by `bedtime_end`'s day, daily ones by `day`).
    public func addOuraRecord(user: String, type: String, id: String, day: String, json: String) {
        routes.ledger.withLock { $0.add(.init(id: id, time: day, json: json), type: type, user: user) }
    }

    /// A WHOOP sleep (its JSON names its `cycle_id`).
    public func addWhoopSleep(user: String, id: String, end: String, json: String) {
        routes.ledger.withLock { $0.add(.init(id: id, time: end, json: json), type: "sleep", user: user) }
    }

    /// The recovery of a cycle, 404 until `scored`.
    public func addWhoopRecovery(user: String, cycleID: Int, sleepID: String, createdAt: String, json: String, scored: Bool) {
        routes.ledger.withLock {
            let record = ProviderCloudLedger.Record(id: sleepID, time: createdAt, json: json)
            $0.recoveries[String(cycleID)] = (record, scored)
            if scored { $0.add(record, type: "recovery", user: user) }
        }
    }

    public func scoreRecovery(cycleID: Int, user: String) {
        routes.ledger.withLock {
            guard let recovery = $0.recoveries[String(cycleID)], !recovery.scored else { return }
            $0.recoveries[String(cycleID)]?.scored = true
            $0.add(recovery.record, type: "recovery", user: user)
        }
    }

    // MARK: Reading

    public var refreshRequests: Int { routes.ledger.withLock { $0.refreshRequests } }
    public var spentRefreshTokensPresented: Int { routes.ledger.withLock { $0.spentRefreshTokensPresented } }
    public var codeExchanges: Int { routes.ledger.withLock { $0.codeExchanges } }
    public var subscriptionCount: Int { routes.ledger.withLock { $0.subscriptions.count } }

    /// API calls (not the token endpoint) in order: path, when, status.
    public var apiRequests: [(path: String, at: ContinuousClock.Instant, status: Int)] { routes.ledger.withLock { $0.apiRequests } }

    /// The user at the provider's consent page: logs in as `login`, grants
    /// access, and is sent back; returns where to (the bridge's callback
    /// with a code and the state).
    public func consent(to authorizeURL: String, as login: String) async throws -> String {
        let response = try await browser.execute(HTTPClientRequest(url: authorizeURL + "&login=\(login)"), timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        guard response.status == .found, let location = response.headers.first(name: "location") else {
            throw ConsentRefused(status: Int(response.status.code))
        }
        return location
    }

    public struct ConsentRefused: Error, CustomStringConvertible {
        let status: Int
        public var description: String { "the authorize page answered \(status), not a redirect" }
    }

    // MARK: Webhooks

    /// Signs `body` as this provider signs its webhooks and posts it to the
    /// bridge's route for the provider; returns the status.
    public func sendWebhook(_ body: String, to bridge: String) async throws -> Int {
        let bytes = Array(body.utf8)
        let headers = provider == .oura
            ? SignedHeaders.oura(body: bytes, secret: Array(clientSecret.utf8))
            : SignedHeaders.whoop(body: bytes, secret: Array(clientSecret.utf8))
        var request = HTTPClientRequest(url: "\(bridge)/webhooks/\(provider.rawValue)")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// An Oura notification body.
    public static func ouraNotification(user: String, type: String, id: String, event: String = "update") -> String {
        #"{"event_type":"\#(event)","data_type":"\#(type)","object_id":"\#(id)","event_time":"\#(Timestamp.now)","user_id":"\#(user)"}"#
    }

    /// A WHOOP notification body (`user_id` is an integer there).
    public static func whoopNotification(user: Int, type: String, id: String) -> String {
        #"{"user_id":\#(user),"id":"\#(id)","type":"\#(type)","trace_id":"\#(ProviderCloudLedger.token())"}"#
    }
}
