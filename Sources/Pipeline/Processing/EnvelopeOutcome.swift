/// What became of one envelope: every consumed record is exactly one of
/// decided, duplicate, failed (dead-lettered whole) or not fetched.
public enum EnvelopeOutcome: Sendable, Hashable {
    /// Decided; `event` holds the readings that passed validation,
    /// `rejections` the samples left out (dead-lettered as `partial`).
    case decided(Decision, event: BiometricEvent, rejections: [Rejection])
    /// Seen before by this user's state: nothing changed.
    case duplicate
    case failed(RejectionReason, detail: String, rejections: [Rejection])
    /// An Oura or WHOOP notification whose record has not been fetched.
    case notFetched(Provider)
}
