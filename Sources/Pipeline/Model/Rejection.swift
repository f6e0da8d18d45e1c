/// A sample or field that was left out of an event, and why. `index` is the
/// sample's position (`3`, or `1.3` inside an array of HealthKit pushes) or,
/// for a provider record, the field's name.
public struct Rejection: Sendable, Hashable, CustomStringConvertible {
    public let index: String
    public let reason: RejectionReason
    /// The sample's metric, when its type was recognised (for metric labels).
    public let metric: Metric?

    public init(index: String, reason: RejectionReason, metric: Metric? = nil) {
        self.index = index
        self.reason = reason
        self.metric = metric
    }

    /// `index:reason`, as the dead-letter header lists them.
    public var description: String { "\(index):\(reason.rawValue)" }
}
