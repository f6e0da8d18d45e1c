import Foundation
import Pipeline

/// A token endpoint's answer: `{access_token, refresh_token, expires_in,
/// token_type}`. Refresh tokens are single use, so every answer replaces the
/// whole pair.
public struct OAuthTokens: Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String
    public var expiresAt: Date

    public init(accessToken: String, refreshToken: String, expiresAt: Date) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
    }

    /// `expires_in` is taken between 0 and a year: a provider's value outside
    /// it is refused rather than trusted to make arithmetic trap.
    static func parse(_ body: [UInt8], receivedAt: Date) throws(ProviderError) -> OAuthTokens {
        guard let json = try? JSONParser.parse(body), json.isObject,
              let access = json["access_token"]?.stringValue, !access.isEmpty,
              let refresh = json["refresh_token"]?.stringValue, !refresh.isEmpty,
              let expiresIn = json["expires_in"]?.numberValue, expiresIn.isFinite, (0...31_536_000).contains(expiresIn)
        else {
            throw .malformedAnswer("the token endpoint's answer lacks access_token, refresh_token or a sensible expires_in")
        }
        return OAuthTokens(accessToken: access, refreshToken: refresh, expiresAt: receivedAt.addingTimeInterval(expiresIn))
    }
}
