/// A `/metrics` page in Prometheus's text format, read back by a bench that
/// measures processes of its own: counters summed over their labels, and a
/// histogram's cumulative buckets.
public struct ScrapedMetrics: Sendable {
    private let samples: [(name: Substring, labels: Substring, value: Double)]

    public init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return (series, "", value) }
            return (series[..<brace], series[brace...], value)
        }
    }

    /// Every series of `name`, whatever its labels, added up.
    public func total(_ name: String) -> Double {
        samples.filter { $0.name == name }.reduce(0) { $0 + $1.value }
    }

    /// The histogram `name` (its `_bucket` series); nil when the page has none yet.
    public func histogram(_ name: String) -> Histogram? {
        let buckets = samples.compactMap { sample -> (bound: Double, count: Double)? in
            guard sample.name == "\(name)_bucket", let bound = Self.upperBound(sample.labels) else { return nil }
            return (bound, sample.value)
        }.sorted { $0.bound < $1.bound }
        guard !buckets.isEmpty else { return nil }
        return Histogram(bounds: buckets.map(\.bound), cumulativeCounts: buckets.map(\.count))
    }

    /// The `le` label: `+Inf` or a number of seconds.
    private static func upperBound(_ labels: Substring) -> Double? {
        guard let start = labels.range(of: "le=\"") else { return nil }
        let rest = labels[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return rest[..<end] == "+Inf" ? .infinity : Double(rest[..<end])
    }

    /// Cumulative counts per upper bound, as Prometheus keeps them.
    public struct Histogram: Sendable, Equatable {
        public let bounds: [Double]
        public let cumulativeCounts: [Double]

        public var count: Double { cumulativeCounts.last ?? 0 }

        /// What was recorded after `earlier` was scraped from the same process.
        public func subtracting(_ earlier: Histogram?) -> Histogram {
            guard let earlier, earlier.bounds == bounds else { return self }
            return Histogram(bounds: bounds, cumulativeCounts: zip(cumulativeCounts, earlier.cumulativeCounts).map { $0 - $1 })
        }

        /// Both processes' records in one histogram (same buckets).
        public func adding(_ other: Histogram) -> Histogram {
            guard other.bounds == bounds else { return self }
            return Histogram(bounds: bounds, cumulativeCounts: zip(cumulativeCounts, other.cumulativeCounts).map { $0 + $1 })
        }

        /// The value below which `fraction` of the records lie, interpolated
        /// linearly inside its bucket as `histogram_quantile` does; past the
        /// last finite bound, that bound. Nil when nothing was recorded.
        public func quantile(_ fraction: Double) -> Double? {
            guard count > 0 else { return nil }
            let rank = fraction * count
            guard let index = cumulativeCounts.firstIndex(where: { $0 >= rank }) else { return nil }
            let lower = index == 0 ? 0 : bounds[index - 1]
            guard bounds[index].isFinite else { return lower }
            let below = index == 0 ? 0 : cumulativeCounts[index - 1]
            let inBucket = cumulativeCounts[index] - below
            return inBucket > 0 ? lower + (bounds[index] - lower) * (rank - below) / inBucket : bounds[index]
        }
    }
}
