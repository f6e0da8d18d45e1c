/// A member's decided count over time after it took partitions over (seconds
/// since then, records decided so far): its full rate is its rate over the
/// last second before the count stopped growing, with every state it needs
/// loaded by then; it is back at full rate at the end of the first half
/// second in which it decided at 90 % of that.
public struct TakeoverTimeline: Sendable, Equatable {
    public let fullRate: Double
    /// Seconds; nil when the count never grew that fast before it stopped.
    public let fullRateAfter: Double?

    static let referenceSeconds = 1.0
    static let windowSeconds = 0.5
    static let share = 0.9

    public init(_ samples: [(seconds: Double, decided: Double)]) {
        guard let final = samples.map(\.decided).max(), let end = samples.firstIndex(where: { $0.decided == final }),
              let start = Self.index(in: samples, before: samples[end].seconds - Self.referenceSeconds) else {
            fullRate = 0
            fullRateAfter = nil
            return
        }
        let fullRate = Self.rate(samples[start], samples[end])
        self.fullRate = fullRate
        fullRateAfter = samples[...end].indices.first { index in
            guard let from = Self.index(in: samples, before: samples[index].seconds - Self.windowSeconds) else { return false }
            return fullRate > 0 && Self.rate(samples[from], samples[index]) >= Self.share * fullRate
        }.map { samples[$0].seconds }
    }

    /// The last sample at or before `seconds`.
    private static func index(in samples: [(seconds: Double, decided: Double)], before seconds: Double) -> Int? {
        samples.lastIndex { $0.seconds <= seconds }
    }

    private static func rate(_ from: (seconds: Double, decided: Double), _ to: (seconds: Double, decided: Double)) -> Double {
        to.seconds > from.seconds ? (to.decided - from.decided) / (to.seconds - from.seconds) : 0
    }
}
