/// What normalising one envelope gave.
public enum Normalization: Sendable, Hashable {
    /// Readings (possibly none) and per-sample rejections.
    case record(NormalizedRecord)
    /// An Oura or WHOOP notification carrying only ids: the record must be
    /// fetched from the provider's API before it can be normalised.
    case notification(Provider)
    /// The envelope as a whole was refused.
    case failure(RejectionReason, detail: String)
}
