import Foundation
import Pipeline

/// What a simulated provider cloud knows and has seen: its users and their
/// records, the OAuth2 grants and tokens it issued (refresh tokens single use
/// and rotating, access tokens that expire), and counts a test asserts on.
/// A value type behind the cloud's lock.
struct ProviderCloudLedger {
    struct AccessToken {
        let user: String
        let expires: Date
    }

    struct RefreshToken {
        let user: String
        var spent = false
    }

    /// One record as the API returns it; `time` orders and filters lists.
    struct Record {
        let id: String
        let time: String
        let json: String
    }

    /// Authorization codes: the user and the redirect URI the code was issued for.
    var codes: [String: (user: String, redirectURI: String)] = [:]
    var accessTokens: [String: AccessToken] = [:]
    var refreshTokens: [String: RefreshToken] = [:]
    /// Users who revoked the app: their refresh tokens answer invalid_grant.
    var revokedUsers: Set<String> = []
    var records: [String: [String: [Record]]] = [:]
    /// WHOOP recoveries by cycle id, hidden (404) until scored.
    var recoveries: [String: (record: Record, scored: Bool)] = [:]
    var subscriptions: [String: (json: String, expiration: Date)] = [:]

    var tokenLifetime: TimeInterval = 3_600
    /// The next this many API calls answer 429 with `Retry-After: retryAfter`.
    var limitedRequests = 0
    var retryAfter = 1

    // What a test reads.
    var refreshRequests = 0
    var spentRefreshTokensPresented = 0
    var codeExchanges = 0
    var apiRequests: [(path: String, at: ContinuousClock.Instant, status: Int)] = []

    mutating func issueTokens(for user: String) -> (access: String, refresh: String, expiresIn: Int) {
        let access = Self.token()
        let refresh = Self.token()
        accessTokens[access] = AccessToken(user: user, expires: Date().addingTimeInterval(tokenLifetime))
        refreshTokens[refresh] = RefreshToken(user: user)
        return (access, refresh, Int(tokenLifetime))
    }

    /// Spends a refresh token: a new pair, or nil (invalid_grant) for an
    /// unknown, spent or revoked one.
    mutating func refresh(_ token: String) -> (access: String, refresh: String, expiresIn: Int)? {
        refreshRequests += 1
        guard let known = refreshTokens[token] else { return nil }
        guard !known.spent else {
            spentRefreshTokensPresented += 1
            return nil
        }
        refreshTokens[token]?.spent = true
        guard !revokedUsers.contains(known.user) else { return nil }
        return issueTokens(for: known.user)
    }

    func user(ofAccessToken token: String) -> String? {
        guard let known = accessTokens[token], known.expires > Date() else { return nil }
        return known.user
    }

    /// Every access token expires now: the next call with one is a 401.
    mutating func expireAccessTokens() {
        for token in accessTokens.keys { accessTokens[token] = AccessToken(user: accessTokens[token]!.user, expires: .distantPast) }
    }

    mutating func add(_ record: Record, type: String, user: String) {
        records[user, default: [:]][type, default: []].append(record)
    }

    /// A page of `user`'s records of `type` with `from ≤ time ≤ to` (prefix
    /// compared, so days and instants both work), `size` from `offset`.
    func page(user: String, type: String, from: String?, to: String?, offset: Int, size: Int) -> (records: [Record], next: Int?) {
        let matching = (records[user]?[type] ?? []).filter { record in
            (from.map { record.time >= $0 } ?? true) && (to.map { String(record.time.prefix($0.count)) <= $0 } ?? true)
        }
        let slice = Array(matching.dropFirst(offset).prefix(size))
        return (slice, offset + size < matching.count ? offset + size : nil)
    }

    static func token() -> String {
        Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255) })
    }
}
