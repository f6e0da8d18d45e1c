/// A metric's personal baseline: the mean of its readings weighted by
/// `0.5^((t_newest − tᵢ) / half_life)`, kept as two decayed sums
/// so it costs O(1) per reading and a fixed size per user.
public struct Baseline: Sendable, Hashable {
    public private(set) var weightedSum = 0.0
    public private(set) var weightSum = 0.0
    public private(set) var count: Int64 = 0
    public private(set) var newest: Timestamp?

    public init() {}

    init(weightedSum: Double, weightSum: Double, count: Int64, newest: Timestamp?) {
        self.weightedSum = weightedSum
        self.weightSum = weightSum
        self.count = count
        self.newest = newest
    }

    public mutating func add(_ value: Double, at time: Timestamp, halfLifeSeconds: Double) {
        defer { count += 1 }
        guard let newest else {
            weightedSum = value
            weightSum = 1
            self.newest = time
            return
        }
        if time > newest {
            // Every earlier weight loses the same factor when the newest moves on.
            let decay = Self.halfPower(time.seconds(since: newest) / halfLifeSeconds)
            weightedSum = weightedSum * decay + value
            weightSum = weightSum * decay + 1
            self.newest = time
        } else {
            let weight = Self.halfPower(newest.seconds(since: time) / halfLifeSeconds)
            weightedSum += weight * value
            weightSum += weight
        }
    }

    /// The weighted mean once `minSamples` readings are in, else `fallback`.
    public func value(minSamples: Double, fallback: Double) -> Double {
        guard Double(count) >= minSamples, weightSum > 0 else { return fallback }
        return weightedSum / weightSum
    }

    private static func halfPower(_ halfLives: Double) -> Double {
        exp2(-halfLives)
    }
}

import Foundation
