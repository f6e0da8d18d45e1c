import Foundation
import Logging
import Pipeline

/// Calls a provider API with a connection's access token, refreshing it
/// 60 s before it expires and once after a 401 — always through
/// `ConnectionStore.refresh`, under the row's lock, so concurrent fetches and
/// replicas spend each single-use refresh token once.
public struct ConnectionTokens: Sendable {
    let store: ConnectionStore
    let metrics: BridgeMetrics
    let logger: Logger
    static let refreshAhead: TimeInterval = 60

    public init(store: ConnectionStore, metrics: BridgeMetrics, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// Revokes the connection at the provider (refreshing its token first
    /// if it must), then deletes its tokens. A connection already revoked
    /// only loses its tokens.
    public func disconnect(_ api: ProviderAPI, providerUserID: String) async throws {
        do {
            try await withAccessToken(api, providerUserID: providerUserID) { token in try await api.revoke(accessToken: token) }
        } catch ProviderError.connectionRevoked {
            logger.info("the \(api.provider.rawValue) connection was already revoked")
        }
        try await store.forgetTokens(provider: api.provider, providerUserID: providerUserID)
    }

    func withAccessToken<T: Sendable>(
        _ api: ProviderAPI, providerUserID: String, _ call: @Sendable (String) async throws -> T
    ) async throws -> T {
        var credentials = try await store.credentials(provider: api.provider, providerUserID: providerUserID)
        if credentials.expiresAt.timeIntervalSinceNow < Self.refreshAhead {
            credentials = try await refresh(api, providerUserID: providerUserID, after: credentials)
        }
        do {
            return try await call(credentials.accessToken)
        } catch ProviderError.unauthorized {
            credentials = try await refresh(api, providerUserID: providerUserID, after: credentials)
            return try await call(credentials.accessToken)
        }
    }

    private func refresh(_ api: ProviderAPI, providerUserID: String, after seen: ConnectionStore.Credentials) async throws -> ConnectionStore.Credentials {
        let provider = api.provider.rawValue
        do {
            let (credentials, result) = try await store.refresh(provider: api.provider, providerUserID: providerUserID, after: seen.version) { token in
                try await api.refresh(token)
            }
            metrics.tokenRefreshed(provider: provider, result: result.rawValue)
            logger.debug("\(provider) token \(result.rawValue)", metadata: ["user": "\(UserHash.of(seen.userID))", "version": "\(credentials.version)"])
            return credentials
        } catch ProviderError.connectionRevoked {
            metrics.tokenRefreshed(provider: provider, result: "revoked")
            logger.warning("\(provider) refused the refresh token (invalid_grant): the connection is revoked until the user connects again",
                           metadata: ["user": "\(UserHash.of(seen.userID))"])
            throw ProviderError.connectionRevoked
        } catch {
            metrics.tokenRefreshed(provider: provider, result: "failed")
            throw error
        }
    }
}
