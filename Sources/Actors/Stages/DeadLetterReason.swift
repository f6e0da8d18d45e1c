import Pipeline

/// Why a record was dead-lettered: its `reason` header and metric label. A
/// record refused whole carries the rejection's code; a batch of which some
/// samples were refused and the rest decided, `partial`.
public enum DeadLetterReason: Sendable, Hashable, CustomStringConvertible {
    case rejected(RejectionReason)
    case partial
    case fetch(FetchFailure)

    public var description: String {
        switch self {
        case .rejected(let reason): reason.rawValue
        case .partial: "partial"
        case .fetch(let failure): failure.rawValue
        }
    }
}
