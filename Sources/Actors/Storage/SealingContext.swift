/// What a ciphertext at rest is bound to, as its AES-GCM associated data: a
/// sealed value cannot be moved to another user or another purpose, and a
/// state cannot be swapped for an older one of the same user.
public enum SealingContext: Sendable {
    /// A user's cognitive state at its state version.
    case userState(user: String, version: Int64)
    /// One of a user's HealthKit device secrets.
    case deviceKey(user: String, keyID: String)
    /// An OAuth2 access or refresh token of the user's connection to a provider.
    case providerToken(user: String, provider: String, kind: TokenKind)

    public enum TokenKind: String, Sendable {
        case access = "access_token"
        case refresh = "refresh_token"
    }

    /// `auren|<purpose>|<length>:<user>|<detail>`: the user's length makes
    /// the fields unambiguous whatever their bytes.
    var associatedData: [UInt8] {
        switch self {
        case .userState(let user, let version): Self.encode("user_state", user, String(version))
        case .deviceKey(let user, let keyID): Self.encode("device_key", user, keyID)
        case .providerToken(let user, let provider, let kind): Self.encode(kind.rawValue, user, provider)
        }
    }

    /// What values sealed before purposes and versions were bound carry: the
    /// user id alone. Such a state is sealed anew at its next checkpoint.
    /// Tokens were never sealed that way.
    var legacyAssociatedData: [UInt8]? {
        switch self {
        case .userState(let user, _), .deviceKey(let user, _): Array(user.utf8)
        case .providerToken: nil
        }
    }

    private static func encode(_ purpose: String, _ user: String, _ detail: String) -> [UInt8] {
        Array("auren|\(purpose)|\(user.utf8.count):\(user)|\(detail)".utf8)
    }
}
