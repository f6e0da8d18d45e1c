/// The checkpoints of a timeline recording, summed up: how many, how large,
/// how long sealing and writing took, how much of the time one was in flight
/// (from its barrier to its commit), and how old the oldest record of a
/// decided batch was while one was in flight and while none was.
public struct CheckpointCycle: Sendable, Equatable, Codable {
    public let checkpoints: Int
    /// Medians over the recording's checkpoints, and over every shard's seal.
    public let statesPerCheckpoint: Int
    public let sealMilliseconds: Double
    public let writeMilliseconds: Double
    /// Between 0 and 1.
    public let inFlightShare: Double
    /// The 99th percentile of decided batches' oldest record age; nil
    /// without a batch decided at such a moment.
    public let oldestAgeP99InFlightMilliseconds: Double?
    public let oldestAgeP99BetweenMilliseconds: Double?

    public init(_ recording: ProcessorTimeline.Recording) {
        var sent: [Int: Duration] = [:]
        var inFlight: [Range<Duration>] = []
        var states: [Int] = []
        var writes: [Duration] = []
        var seals: [Duration] = []
        for entry in recording.entries {
            switch entry.event {
            case .barrierSent(let barrier):
                sent[barrier] = entry.at
            case .sealed(_, _, _, let took):
                seals.append(took)
            case .written(let barrier, let count, let took):
                // Sent before the recording began: in flight from its start.
                let from = sent.removeValue(forKey: barrier) ?? .zero
                inFlight.append(from..<max(from, entry.at))
                states.append(count)
                writes.append(took)
            case .forwarded, .decided:
                break
            }
        }
        // Still in flight when the recording stopped.
        inFlight += sent.values.map { $0..<max($0, recording.duration) }
        inFlight.sort { $0.lowerBound < $1.lowerBound }

        var during: [Duration] = []
        var between: [Duration] = []
        for entry in recording.entries {
            guard case .decided(_, _, let oldestAge, _) = entry.event else { continue }
            if inFlight.contains(where: { $0.contains(entry.at) }) { during.append(oldestAge) } else { between.append(oldestAge) }
        }

        checkpoints = states.count
        statesPerCheckpoint = Self.percentile(0.5, of: states) ?? 0
        sealMilliseconds = Self.percentile(0.5, of: seals).map { $0.seconds * 1_000 } ?? 0
        writeMilliseconds = Self.percentile(0.5, of: writes).map { $0.seconds * 1_000 } ?? 0
        inFlightShare = recording.duration > .zero ? Self.covered(by: inFlight) / recording.duration : 0
        oldestAgeP99InFlightMilliseconds = Self.percentile(0.99, of: during).map { $0.seconds * 1_000 }
        oldestAgeP99BetweenMilliseconds = Self.percentile(0.99, of: between).map { $0.seconds * 1_000 }
    }

    private static func percentile<T: Comparable>(_ quantile: Double, of values: [T]) -> T? {
        guard !values.isEmpty else { return nil }
        return values.sorted()[min(values.count - 1, Int(Double(values.count) * quantile))]
    }

    /// The length of the union of `ranges`, sorted by their starts.
    private static func covered(by ranges: [Range<Duration>]) -> Duration {
        var total = Duration.zero
        var reached = Duration.zero
        for range in ranges where range.upperBound > reached {
            total += range.upperBound - max(range.lowerBound, reached)
            reached = range.upperBound
        }
        return total
    }
}
