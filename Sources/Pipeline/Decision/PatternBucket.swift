/// The newest times something happened in one UTC hour or weekday, at most
/// `capacity` of them: enough to tell whether the last
/// `min_events` occurrences all fall inside the pattern's window.
public struct PatternBucket: Sendable, Hashable {
    /// Oldest first.
    public private(set) var times: [Timestamp] = []

    public init() {}

    init(times: [Timestamp]) {
        self.times = times
    }

    public mutating func record(_ time: Timestamp, capacity: Int) {
        let position = times.firstIndex { $0 > time } ?? times.endIndex
        times.insert(time, at: position)
        if times.count > capacity { times.removeFirst(times.count - capacity) }
    }

    /// Whether the newest `minEvents` times all lie in `(now − window, now]`.
    public func holds(minEvents: Int, windowSeconds: Double, now: Timestamp) -> Bool {
        guard minEvents > 0, times.count >= minEvents else { return false }
        let newest = times.suffix(minEvents)
        let windowStart = now.adding(seconds: -windowSeconds)
        return newest.allSatisfy { $0 > windowStart && $0 <= now }
    }
}
