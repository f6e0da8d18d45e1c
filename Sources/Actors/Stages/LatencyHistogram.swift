import Synchronization

/// End-to-end latencies (Kafka append → decision) in logarithmic buckets of
/// about 4 %, from 10 µs to over a minute: percentiles within a few percent,
/// in fixed memory.
public final class LatencyHistogram: Sendable {
    private static let first = 10e-6
    private static let growth = 1.04
    private static let bucketCount = 400

    private let buckets = Mutex([Int](repeating: 0, count: LatencyHistogram.bucketCount))

    public init() {}

    public func record(seconds values: [Double]) {
        guard !values.isEmpty else { return }
        let indexes = values.map(Self.bucket(of:))
        buckets.withLock { buckets in
            for index in indexes { buckets[index] += 1 }
        }
    }

    /// Adds every sample of `other`.
    public func merge(_ other: LatencyHistogram) {
        let counts = other.buckets.withLock { $0 }
        buckets.withLock { buckets in
            for (index, count) in counts.enumerated() { buckets[index] += count }
        }
    }

    public func reset() {
        buckets.withLock { $0 = [Int](repeating: 0, count: Self.bucketCount) }
    }

    public var count: Int { buckets.withLock { $0.reduce(0, +) } }

    /// The latency below which `fraction` of the samples lie (bucket upper bound), in seconds.
    public func percentile(_ fraction: Double) -> Double? {
        let snapshot = buckets.withLock { $0 }
        let total = snapshot.reduce(0, +)
        guard total > 0 else { return nil }
        let target = Int((Double(total) * fraction).rounded(.up))
        var seen = 0
        for (index, count) in snapshot.enumerated() {
            seen += count
            if seen >= max(1, target) { return Self.upperBound(of: index) }
        }
        return Self.upperBound(of: Self.bucketCount - 1)
    }

    /// The same in milliseconds, 0 when nothing was recorded (for reports).
    public func milliseconds(at fraction: Double) -> Double {
        (percentile(fraction) ?? 0) * 1000
    }

    private static func bucket(of seconds: Double) -> Int {
        guard seconds > first else { return 0 }
        return min(bucketCount - 1, Int((log(seconds / first) / log(growth)).rounded(.up)))
    }

    private static func upperBound(of index: Int) -> Double {
        first * pow(growth, Double(index))
    }
}

import Foundation
