import Foundation
import NIOHTTP1
import Pipeline

/// The calls of the provider APIs the bridge makes, Oura API v2 and WHOOP
/// API v2 alike: the OAuth2 token endpoint, the user's identity, one record,
/// a page of a list, revocation. Each returns bytes or a `ProviderError`;
/// which token to present is the caller's business (`ConnectionTokens`).
public struct ProviderAPI: Sendable {
    public let client: ProviderClient
    var settings: ProviderAPISettings { client.settings }
    var provider: Provider { settings.provider }

    public init(client: ProviderClient) {
        self.client = client
    }

    // MARK: OAuth2

    /// Where the user grants access: the app's client id, our callback, the
    /// scopes and the single-use state.
    public func authorizeURL(state: String, redirectURI: String) -> String {
        settings.authorizeURL + (settings.authorizeURL.contains("?") ? "&" : "?") + Self.form([
            ("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", redirectURI),
            ("scope", settings.scopes), ("state", state),
        ])
    }

    public func exchange(code: String, redirectURI: String) async throws -> OAuthTokens {
        try await token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)], attempts: nil)
    }

    /// Spends `refreshToken` (single use) for a new pair; `.invalidGrant`
    /// when the provider refuses it. Tried twice at most: it runs while the
    /// connection's row is locked, and every fetch of that user waits.
    public func refresh(_ refreshToken: String) async throws -> OAuthTokens {
        var fields = [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        if provider == .whoop { fields.append(("scope", "offline")) }
        return try await token(fields, attempts: 2)
    }

    private func token(_ fields: [(String, String)], attempts: Int?) async throws -> OAuthTokens {
        let body = Array(Self.form(fields + [("client_id", settings.clientID), ("client_secret", settings.clientSecret)]).utf8)
        let response = try await client.send(.POST, settings.tokenURL, endpoint: "token",
                                             headers: [("content-type", "application/x-www-form-urlencoded")], body: body, attempts: attempts)
        switch response.status {
        case 200:
            return try OAuthTokens.parse(response.body, receivedAt: Date())
        case 400...401 where Self.errorCode(response.body) == "invalid_grant":
            throw ProviderError.invalidGrant
        default:
            throw ProviderError.status(response.status, endpoint: "token")
        }
    }

    /// The provider's id of the token's user: Oura `personal_info.id`, WHOOP
    /// `profile/basic.user_id` (an integer, written in decimal).
    public func providerUserID(accessToken: String) async throws -> String {
        let path = provider == .oura ? "/v2/usercollection/personal_info" : "/developer/v2/user/profile/basic"
        let body = try await get(path, endpoint: "identity", accessToken: accessToken)
        let field = provider == .oura ? "id" : "user_id"
        guard let json = try? JSONParser.parse(body), let id = json[field]?.identifierText, Identifier.isValid(id) else {
            throw ProviderError.malformedAnswer("the identity answer has no usable \(field)")
        }
        return id
    }

    /// Revokes the token at the provider (disconnect). A token the provider
    /// no longer knows counts as revoked.
    public func revoke(accessToken: String) async throws {
        let response: ProviderClient.Response
        switch provider {
        case .oura:
            response = try await client.send(.POST, settings.apiURL + "/oauth/revoke?" + Self.form([("access_token", accessToken)]), endpoint: "revoke")
        default:
            response = try await client.send(.DELETE, settings.apiURL + "/developer/v2/user/access", endpoint: "revoke",
                                             headers: [("authorization", "Bearer \(accessToken)")])
        }
        guard (200...299).contains(response.status) || response.status == 401 else {
            throw ProviderError.status(response.status, endpoint: "revoke")
        }
    }

    // MARK: Records

    /// GET a path of the API with the user's token: the body of a 200, else
    /// `.unauthorized` (401) or `.notFound` (404) or the status.
    public func get(_ pathAndQuery: String, endpoint: String, accessToken: String) async throws -> [UInt8] {
        let response = try await client.send(.GET, settings.apiURL + pathAndQuery, endpoint: endpoint,
                                             headers: [("authorization", "Bearer \(accessToken)")])
        switch response.status {
        case 200: return response.body
        case 401: throw ProviderError.unauthorized
        case 404: throw ProviderError.notFound
        default: throw ProviderError.status(response.status, endpoint: endpoint)
        }
    }

    /// `a=b&c=d`, each side percent-encoded as a form body or query wants.
    static func form(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func errorCode(_ body: [UInt8]) -> String? {
        (try? JSONParser.parse(body))?["error"]?.stringValue
    }
}
