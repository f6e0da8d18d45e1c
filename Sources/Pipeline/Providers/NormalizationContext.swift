/// What every normaliser needs besides the body: the configuration and the
/// envelope's arrival time, against which "future" is judged (never the wall
/// clock, so a replay decides the same).
struct NormalizationContext {
    let configuration: BridgeConfiguration
    let receivedAt: Timestamp

    func timestamp(_ value: JSONValue?) -> Timestamp? {
        value.flatMap { TimestampParser.parse($0, epochMillisecondsAbove: configuration.ingest.epochMsAbove) }
    }

    /// A time beyond the clock's range is later than any arrival could be.
    func isFuture(_ timestamp: Timestamp) -> Bool {
        timestamp == .distantFuture || timestamp.seconds(since: receivedAt) > configuration.ingest.futureSkewSeconds
    }
}
