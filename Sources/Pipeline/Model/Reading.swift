/// One measurement in its canonical unit.
public struct Reading: Sendable, Hashable {
    public var metric: Metric
    public var value: Double
    public var timestamp: Timestamp
    public var source: String?
    /// 0…1, carried for the agent; the decision engine does not weight by it.
    public var confidence: Double

    public init(metric: Metric, value: Double, timestamp: Timestamp, source: String? = nil, confidence: Double) {
        self.metric = metric
        self.value = value
        self.timestamp = timestamp
        self.source = source
        self.confidence = confidence
    }
}
