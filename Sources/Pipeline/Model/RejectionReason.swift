/// Why a record or a sample was rejected. The codes are stable: they are
/// metric labels and the dead-letter `reason` header.
public enum RejectionReason: String, Sendable, Hashable, CaseIterable, Comparable {
    case malformedEnvelope = "malformed_envelope"
    case malformedBody = "malformed_body"
    case unknownProvider = "unknown_provider"
    case unsupportedType = "unsupported_type"
    case unsupportedUnit = "unsupported_unit"
    case invalidValue = "invalid_value"
    case outOfRange = "out_of_range"
    case malformedTimestamp = "malformed_timestamp"
    case futureTimestamp = "future_timestamp"
    case unknownMetric = "unknown_metric"
    case invalidConfidence = "invalid_confidence"
    case noValidReadings = "no_valid_readings"
    case unknownUser = "unknown_user"
    /// A user, event or delivery id that breaks `Identifier`'s rule.
    case invalidID = "invalid_id"
    /// PostgreSQL refused the user's stored state for its data (a constraint,
    /// a trigger): the processor dead-letters the user's records instead of
    /// retrying a write that can never succeed.
    case storageRefused = "storage_refused"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
