/// Why the fetcher dead-lettered a notification (stage `fetch`): its
/// `reason` header and metric label. Every one can be re-driven with
/// `biometric-bridge dlq redrive --stage fetch --reason …` once its cause is gone.
public enum FetchFailure: String, Sendable, CaseIterable, RetriableError {
    /// Not a notification of its provider (no ids, wrong types, unsafe ids).
    case malformedNotification = "malformed_notification"
    /// The user's connection is revoked, or holds no tokens.
    case connectionRevoked = "connection_revoked"
    /// A WHOOP recovery still unscored after its retries.
    case notReady = "not_ready"
    /// The provider has no record with the notified id.
    case recordNotFound = "record_not_found"
    /// The provider refused a fresh token too.
    case unauthorized
    /// Still rate limited after waiting out every 429.
    case rateLimited = "rate_limited"
    /// 5xx or no answer, through every retry.
    case providerUnavailable = "provider_unavailable"
    /// Any other answer we cannot use.
    case providerRefused = "provider_refused"
    /// No API settings for this provider (`<PROVIDER>_CLIENT_ID` unset).
    case providerNotConfigured = "provider_not_configured"
    /// Kafka refused the fetched record for good (larger than a record may be).
    case recordRefused = "record_refused"
    /// The stored tokens cannot be decrypted (their key is not in
    /// `BRIDGE_STATE_KEYS`, or they were altered).
    case tokensUnreadable = "tokens_unreadable"

    /// Each is the notification's own: dead-lettered, never retried.
    public var isRetriable: Bool { false }

    /// The reason for a provider call that failed for good.
    init(_ error: ProviderError) {
        switch error {
        case .connectionRevoked, .invalidGrant: self = .connectionRevoked
        case .notFound: self = .recordNotFound
        case .unauthorized: self = .unauthorized
        case .rateLimited: self = .rateLimited
        case .unreachable: self = .providerUnavailable
        case .status(let status, _): self = status >= 500 ? .providerUnavailable : .providerRefused
        case .malformedAnswer: self = .providerRefused
        }
    }
}
