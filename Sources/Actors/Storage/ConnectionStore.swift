import Foundation
import Logging
import NIOCore
import Pipeline
import PostgresNIO

/// Users' OAuth2 connections to Oura and WHOOP, in `provider_accounts`:
/// tokens sealed with AES-256-GCM (associated data: purpose, user, provider),
/// refreshed under a row lock so replicas never spend one single-use refresh
/// token twice, and the single-use `state` values of connect flows.
public struct ConnectionStore: Sendable {
    /// What `accounts list` shows of a connection: never a token.
    public struct Connection: Sendable, Equatable {
        public let provider: String
        public let providerUserID: String
        public let userID: String
        public let status: String
        public let expiresAt: Date?
        public let tokenVersion: Int64
        public let hasTokens: Bool
    }

    /// The access token to present, and the version it belongs to.
    public struct Credentials: Sendable {
        public let userID: String
        public let accessToken: String
        public let expiresAt: Date
        public let version: Int64
    }

    /// What a refresh found under the lock.
    public enum Refresh: String, Sendable {
        /// We spent the refresh token and stored the new pair.
        case refreshed
        /// Another replica refreshed since we read the row: its token is used.
        case alreadyRefreshed = "already_refreshed"
    }

    private let client: PostgresClient
    private let cipher: StateCipher
    private let logger: Logger

    public init(client: PostgresClient, cipher: StateCipher, logger: Logger) {
        self.client = client
        self.cipher = cipher
        self.logger = logger
    }

    /// The connection's current access token; `.connectionRevoked` when it is
    /// revoked or holds no tokens (linked by hand, or disconnected).
    public func credentials(provider: Provider, providerUserID: String) async throws -> Credentials {
        let rows = try await client.query("""
            SELECT user_id, status, token_version, token_key_id, access_token, token_expires_at FROM provider_accounts
            WHERE provider = \(provider.rawValue) AND provider_user_id = \(providerUserID)
            """, logger: logger)
        for try await row in rows.decode((String, String, Int64, String?, ByteBuffer?, Date?).self) {
            return try credentials(row, provider: provider)
        }
        throw ProviderError.connectionRevoked
    }

    /// Refreshes the connection unless someone did since `seenVersion` was
    /// read: in one transaction, the row is locked (`FOR UPDATE`); a moved
    /// `token_version` means the stored token is already new; else
    /// `spend(refreshToken)` asks the provider, and the new pair is stored
    /// with the version bumped before the lock is released. `.invalidGrant`
    /// from the provider revokes the connection and is rethrown as
    /// `.connectionRevoked`; any other failure leaves the row as it was.
    public func refresh(
        provider: Provider, providerUserID: String, after seenVersion: Int64,
        spend: @Sendable (String) async throws -> OAuthTokens
    ) async throws -> (Credentials, Refresh) {
        let outcome: (Credentials, Refresh)?
        do {
            outcome = try await lockedRefresh(provider: provider, providerUserID: providerUserID, after: seenVersion, spend: spend)
        } catch let failure as PostgresTransactionError {
            // The provider's answer, not the transaction's: the caller acts on it.
            if let providerError = failure.closureError as? ProviderError { throw providerError }
            if let cipherError = failure.closureError as? StateCipher.Failure { throw cipherError }
            throw failure
        }
        guard let outcome else { throw ProviderError.connectionRevoked }
        return outcome
    }

    /// The transaction of `refresh`; nil when the provider revoked the grant.
    private func lockedRefresh(
        provider: Provider, providerUserID: String, after seenVersion: Int64,
        spend: @Sendable (String) async throws -> OAuthTokens
    ) async throws -> (Credentials, Refresh)? {
        try await client.withTransaction(logger: logger) { connection -> (Credentials, Refresh)? in
            let rows = try await connection.query("""
                SELECT user_id, status, token_version, token_key_id, access_token, token_expires_at, refresh_token FROM provider_accounts
                WHERE provider = \(provider.rawValue) AND provider_user_id = \(providerUserID) FOR UPDATE
                """, logger: logger)
            var found: (String, String, Int64, String?, ByteBuffer?, Date?, ByteBuffer?)?
            for try await row in rows.decode((String, String, Int64, String?, ByteBuffer?, Date?, ByteBuffer?).self) { found = row }
            guard let (user, status, version, keyID, access, expires, sealedRefresh) = found else { throw ProviderError.connectionRevoked }
            let current = try credentials((user, status, version, keyID, access, expires), provider: provider)
            guard version == seenVersion else { return (current, .alreadyRefreshed) }
            guard let keyID, let sealedRefresh else { throw ProviderError.connectionRevoked }
            let refreshToken = try open(sealedRefresh, keyID: keyID, user: user, provider: provider, kind: .refresh)
            let tokens: OAuthTokens
            do {
                tokens = try await spend(refreshToken)
            } catch ProviderError.invalidGrant {
                try await connection.query("""
                    UPDATE provider_accounts SET status = 'revoked', updated_at = now()
                    WHERE provider = \(provider.rawValue) AND provider_user_id = \(providerUserID)
                    """, logger: logger)
                return nil
            }
            try await store(tokens, version: version + 1, user: user, provider: provider, providerUserID: providerUserID, on: connection)
            return (Credentials(userID: user, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, version: version + 1), .refreshed)
        }
    }

    /// Stores a new connection (or replaces the user's earlier one with this
    /// provider), active, and announces it to ingresses.
    public func connect(userID: String, provider: Provider, providerUserID: String, tokens: OAuthTokens) async throws {
        try await AccountStore.announcing(on: client, logger: logger) { connection in
            try await connection.query("""
                DELETE FROM provider_accounts WHERE provider = \(provider.rawValue) AND user_id = \(userID)
                AND provider_user_id <> \(providerUserID)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO provider_accounts (provider, provider_user_id, user_id) VALUES (\(provider.rawValue), \(providerUserID), \(userID))
                ON CONFLICT (provider, provider_user_id) DO UPDATE SET user_id = EXCLUDED.user_id
                """, logger: logger)
            try await store(tokens, version: nil, user: userID, provider: provider, providerUserID: providerUserID, on: connection)
        }
    }

    /// Forgets the connection's tokens (after revoking them at the
    /// provider): the link stays, so its notifications are still attributed
    /// and dead-lettered `connection_revoked` until the user connects again.
    public func forgetTokens(provider: Provider, providerUserID: String) async throws {
        try await client.query("""
            UPDATE provider_accounts SET access_token = NULL, refresh_token = NULL, token_key_id = NULL, token_expires_at = NULL,
            status = 'revoked', updated_at = now() WHERE provider = \(provider.rawValue) AND provider_user_id = \(providerUserID)
            """, logger: logger)
    }

    /// Connections with tokens or a status worth showing, by user.
    public func connections(of user: String?) async throws -> [Connection] {
        let rows = try await client.query("""
            SELECT provider, provider_user_id, user_id, status, token_expires_at, token_version, access_token IS NOT NULL
            FROM provider_accounts WHERE (\(user == nil) OR user_id = \(user ?? "")) AND provider IN ('oura', 'whoop')
            ORDER BY user_id, provider
            """, logger: logger)
        var connections: [Connection] = []
        for try await (provider, providerUser, user, status, expires, version, hasTokens) in rows.decode((String, String, String, String, Date?, Int64, Bool).self) {
            connections.append(Connection(provider: provider, providerUserID: providerUser, userID: user, status: status,
                                          expiresAt: expires, tokenVersion: version, hasTokens: hasTokens))
        }
        return connections
    }

    /// Connections per provider and status (for the `auren_connections` gauge).
    public func counts() async throws -> [String: [String: Int]] {
        let rows = try await client.query("""
            SELECT provider, status, count(*)::bigint FROM provider_accounts WHERE provider IN ('oura', 'whoop') GROUP BY provider, status
            """, logger: logger)
        var counts: [String: [String: Int]] = ["oura": [:], "whoop": [:]]
        for try await (provider, status, count) in rows.decode((String, String, Int64).self) { counts[provider, default: [:]][status] = Int(count) }
        return counts
    }

    // MARK: Connect flows

    /// A new random `state` for the user's connect flow, valid for `ttl`.
    public func createState(provider: Provider, userID: String, ttl: Duration) async throws -> String {
        let state = Hex.encode(try SecureRandom.bytes(24))
        let seconds = Double(ttl.components.seconds)
        try await client.query("DELETE FROM oauth_states WHERE expires_at < now()", logger: logger)
        try await client.query("""
            INSERT INTO oauth_states (state_hash, provider, user_id, expires_at)
            VALUES (\(SHA256Digest.hex(of: Array(state.utf8))), \(provider.rawValue), \(userID), now() + make_interval(secs => \(seconds)))
            """, logger: logger)
        return state
    }

    /// The user whose flow `state` began, once: the state is deleted as it is
    /// read, and an expired one or another provider's finds nobody.
    public func consumeState(_ state: String, provider: Provider) async throws -> String? {
        let rows = try await client.query("""
            DELETE FROM oauth_states WHERE state_hash = \(SHA256Digest.hex(of: Array(state.utf8)))
            RETURNING provider, user_id, expires_at > now()
            """, logger: logger)
        for try await (stateProvider, user, fresh) in rows.decode((String, String, Bool).self) {
            return stateProvider == provider.rawValue && fresh ? user : nil
        }
        return nil
    }

    // MARK: Sealing

    private func credentials(_ row: (String, String, Int64, String?, ByteBuffer?, Date?), provider: Provider) throws -> Credentials {
        let (user, status, version, keyID, access, expires) = row
        guard status == "active", let keyID, let access, let expires else { throw ProviderError.connectionRevoked }
        let token = try open(access, keyID: keyID, user: user, provider: provider, kind: .access)
        return Credentials(userID: user, accessToken: token, expiresAt: expires, version: version)
    }

    /// `version` nil (a new grant) bumps the version too: a refresh begun
    /// before it must not overwrite it.
    private func store(
        _ tokens: OAuthTokens, version: Int64?, user: String, provider: Provider, providerUserID: String, on connection: PostgresConnection
    ) async throws {
        let access = try seal(tokens.accessToken, user: user, provider: provider, kind: .access)
        let refresh = try seal(tokens.refreshToken, user: user, provider: provider, kind: .refresh)
        try await connection.query("""
            UPDATE provider_accounts SET token_key_id = \(cipher.currentKeyID), access_token = \(access), refresh_token = \(refresh),
            token_expires_at = \(tokens.expiresAt), token_version = COALESCE(\(version), token_version + 1), status = 'active', updated_at = now()
            WHERE provider = \(provider.rawValue) AND provider_user_id = \(providerUserID)
            """, logger: logger)
    }

    private func seal(_ token: String, user: String, provider: Provider, kind: SealingContext.TokenKind) throws -> ByteBuffer {
        ByteBuffer(bytes: try cipher.seal(Array(token.utf8), for: .providerToken(user: user, provider: provider.rawValue, kind: kind)))
    }

    private func open(_ sealed: ByteBuffer, keyID: String, user: String, provider: Provider, kind: SealingContext.TokenKind) throws -> String {
        let bytes = try cipher.open(Array(sealed.readableBytesView), keyID: keyID, for: .providerToken(user: user, provider: provider.rawValue, kind: kind))
        return String(decoding: bytes, as: UTF8.self)
    }
}
