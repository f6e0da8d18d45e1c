import Foundation

/// How a call to a provider's API failed, and so what the fetcher does next:
/// retry (a 5xx, a timeout), wait (a 429), refresh once (a 401), or give up
/// and dead-letter with the failure's reason.
public enum ProviderError: Error, Sendable, Equatable, CustomStringConvertible, RetriableError {
    /// No answer: refused, reset, or past the request timeout.
    case unreachable(String)
    /// An answer with this status that no rule below covers.
    case status(Int, endpoint: String)
    case unauthorized
    case notFound
    /// 429 with the time it asked us to wait.
    case rateLimited(retryAfter: Duration)
    /// The refresh token was refused: the user revoked access, or it was spent.
    case invalidGrant
    /// The connection is marked revoked, or was deleted.
    case connectionRevoked
    case malformedAnswer(String)

    public var isRetriable: Bool {
        switch self {
        case .unreachable, .rateLimited: true
        case .status(let status, _): status >= 500
        default: false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let detail): "the provider did not answer: \(detail)"
        case .status(let status, let endpoint): "the provider answered \(status) to \(endpoint)"
        case .unauthorized: "the provider refused the access token (401)"
        case .notFound: "the provider has no such record (404)"
        case .rateLimited(let wait): "the provider limited our rate (429) for \(wait)"
        case .invalidGrant: "the provider refused the refresh token (invalid_grant)"
        case .connectionRevoked: "the user's connection is revoked"
        case .malformedAnswer(let detail): "the provider's answer is malformed: \(detail)"
        }
    }
}
