import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Requests to one provider's API, within its limits: each waits for the
/// provider's `ProviderGate`; a 429 pauses the provider for the time it asked
/// and the request goes again; a 5xx or no answer is retried with capped
/// backoff a few times. What is left is the caller's to handle (401, 404,
/// 400, or the last transient failure).
public struct ProviderClient: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: [UInt8]
    }

    /// How persistent a request is before its failure is handed back.
    public struct RetryPolicy: Sendable {
        public var attempts = 5
        public var firstBackoff: Duration = .milliseconds(500)
        public var maximumBackoff: Duration = .seconds(30)
        /// 429s in a row a request waits out before it gives up.
        public var rateLimitedAttempts = 10
        public var requestTimeout: Duration = .seconds(30)

        public init() {}
    }

    public let settings: ProviderAPISettings
    private let gate: ProviderGate
    private let policy: RetryPolicy
    private let metrics: BridgeMetrics
    private let logger: Logger
    /// A provider's answer is a record or a page of them; anything larger is refused.
    private static let maximumBodyBytes = 4 << 20

    public init(settings: ProviderAPISettings, policy: RetryPolicy = RetryPolicy(), metrics: BridgeMetrics, logger: Logger) {
        self.settings = settings
        self.gate = ProviderGate(provider: settings.provider.rawValue, windows: settings.budget, logger: logger)
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
    }

    /// `endpoint` names the call in metrics (`token`, `record`, …);
    /// `attempts` lowers the policy's for a call that holds something meanwhile.
    public func send(
        _ method: HTTPMethod, _ url: String, endpoint: String, headers: [(String, String)] = [], body: [UInt8]? = nil, attempts: Int? = nil
    ) async throws -> Response {
        let attempts = min(attempts ?? policy.attempts, policy.attempts)
        var backoff = policy.firstBackoff
        var failures = 0
        var rateLimited = 0
        while true {
            try await gate.admit()
            let response: Response
            do {
                response = try await once(method, url, endpoint: endpoint, headers: headers, body: body)
            } catch let error as ProviderError {
                failures += 1
                guard failures < attempts else { throw error }
                logger.info("\(settings.provider.rawValue) \(endpoint): \(error); retrying in \(backoff)")
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, policy.maximumBackoff)
                continue
            }
            switch response.status {
            case 429:
                rateLimited += 1
                let wait = Self.retryAfter(response.headers)
                guard rateLimited < policy.rateLimitedAttempts else { throw ProviderError.rateLimited(retryAfter: wait) }
                await gate.pause(for: wait)
            case 500...599:
                failures += 1
                guard failures < attempts else { throw ProviderError.status(response.status, endpoint: endpoint) }
                logger.info("\(settings.provider.rawValue) \(endpoint) answered \(response.status); retrying in \(backoff)")
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, policy.maximumBackoff)
            default:
                return response
            }
        }
    }

    private func once(_ method: HTTPMethod, _ url: String, endpoint: String, headers: [(String, String)], body: [UInt8]?) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "accept", value: "application/json")
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let started = ContinuousClock.now
        let provider = settings.provider.rawValue
        do {
            let timeout = TimeAmount.milliseconds(policy.requestTimeout.wholeMilliseconds)
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: Self.maximumBodyBytes)
            metrics.providerRequested(provider: provider, endpoint: endpoint, status: String(response.status.code), after: ContinuousClock.now - started)
            return Response(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            metrics.providerRequested(provider: provider, endpoint: endpoint, status: "error", after: ContinuousClock.now - started)
            throw ProviderError.unreachable(String(describing: error))
        }
    }

    /// `Retry-After` in seconds, else `X-RateLimit-Reset` (seconds from now,
    /// or a Unix time when it is that large), else a minute; between a second
    /// and a day whatever the provider said.
    static func retryAfter(_ headers: HTTPHeaders, now: Date = Date()) -> Duration {
        let seconds: Double
        if let value = headers.first(name: "retry-after").flatMap(Double.init) {
            seconds = value
        } else if let reset = headers.first(name: "x-ratelimit-reset").flatMap(Double.init) {
            seconds = reset > 1_000_000_000 ? reset - now.timeIntervalSince1970 : reset
        } else {
            seconds = 60
        }
        guard seconds.isFinite else { return .seconds(60) }
        return .milliseconds(Int64(min(max(seconds, 1), 86_400) * 1000))
    }
}
