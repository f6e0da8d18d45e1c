import Actors
import Foundation
import Pipeline
import PostgresNIO
import Synchronization
import Testing

/// Refreshing under the row lock, against a real PostgreSQL.
struct ConnectionStoreTests {
    static let tokens = OAuthTokens(accessToken: "access-1", refreshToken: "refresh-1", expiresAt: Date().addingTimeInterval(30))

    /// Two refreshes that read the same version: the provider is asked once,
    /// the second uses what the first stored.
    @Test func concurrentRefreshesSpendTheRefreshTokenOnce() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let store = try ProviderClouds.store(client)
            try await store.connect(userID: "user-1", provider: .oura, providerUserID: "o-1", tokens: Self.tokens)
            let seen = try await store.credentials(provider: .oura, providerUserID: "o-1")
            let spent = SpentTokens()
            let results = try await withThrowingTaskGroup(of: (ConnectionStore.Credentials, ConnectionStore.Refresh).self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await store.refresh(provider: .oura, providerUserID: "o-1", after: seen.version) { refreshToken in
                            spent.tokens.withLock { $0.append(refreshToken) }
                            try await Task.sleep(for: .milliseconds(300))
                            return OAuthTokens(accessToken: "access-2", refreshToken: "refresh-2", expiresAt: Date().addingTimeInterval(3600))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(spent.tokens.withLock { $0 } == ["refresh-1"])
            #expect(Set(results.map(\.1)) == [.refreshed, .alreadyRefreshed])
            #expect(results.allSatisfy { $0.0.accessToken == "access-2" && $0.0.version == seen.version + 1 })
        }
    }

    /// invalid_grant revokes the connection; a failure of another kind leaves it as it was.
    @Test func invalidGrantRevokesAndOtherFailuresChangeNothing() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let store = try ProviderClouds.store(client)
            try await store.connect(userID: "user-2", provider: .whoop, providerUserID: "42", tokens: Self.tokens)
            let seen = try await store.credentials(provider: .whoop, providerUserID: "42")
            await #expect(throws: ProviderError.status(503, endpoint: "token")) {
                try await store.refresh(provider: .whoop, providerUserID: "42", after: seen.version) { _ in throw ProviderError.status(503, endpoint: "token") }
            }
            #expect(try await store.credentials(provider: .whoop, providerUserID: "42").version == seen.version)
            await #expect(throws: ProviderError.connectionRevoked) {
                try await store.refresh(provider: .whoop, providerUserID: "42", after: seen.version) { _ in throw ProviderError.invalidGrant }
            }
            await #expect(throws: ProviderError.connectionRevoked) { try await store.credentials(provider: .whoop, providerUserID: "42") }
            #expect(try await store.connections(of: "user-2").map(\.status) == ["revoked"])
        }
    }

    /// Tokens are sealed for their user, provider and purpose: swapped, they do not open.
    @Test func tokensAreSealedForTheirConnection() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let store = try ProviderClouds.store(client)
            try await store.connect(userID: "user-a", provider: .oura, providerUserID: "a", tokens: Self.tokens)
            try await store.connect(userID: "user-b", provider: .oura, providerUserID: "b", tokens: Self.tokens)
            var plain = 0
            for try await count in try await client.query("SELECT count(*)::int FROM provider_accounts WHERE position('access-1'::bytea in access_token) > 0").decode(Int.self) {
                plain = count
            }
            #expect(plain == 0, "no token in plain text")
            try await client.query("UPDATE provider_accounts SET access_token = (SELECT access_token FROM provider_accounts WHERE provider_user_id = 'a') WHERE provider_user_id = 'b'")
            await #expect(throws: StateCipher.Failure.self) { try await store.credentials(provider: .oura, providerUserID: "b") }
            try await client.query("UPDATE provider_accounts SET access_token = refresh_token WHERE provider_user_id = 'a'")
            await #expect(throws: StateCipher.Failure.self) { try await store.credentials(provider: .oura, providerUserID: "a") }
        }
    }
}

/// The refresh tokens a test's provider was asked to spend.
private final class SpentTokens: Sendable {
    let tokens = Mutex<[String]>([])
}
