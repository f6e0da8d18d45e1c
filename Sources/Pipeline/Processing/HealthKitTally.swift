/// What became of the samples of HealthKit batches, for the
/// `healthkit_*` metrics: samples by metric and status, conversion errors by
/// reason, and how long each batch took from envelope to decision.
public struct HealthKitTally: Sendable, Equatable {
    public enum Status: String, Sendable {
        case accepted, rejected
    }

    public struct SampleKey: Sendable, Hashable {
        /// A metric name, or `unknown` for a sample of an unsupported type.
        public let metricType: String
        public let status: Status

        public init(metricType: String, status: Status) {
            self.metricType = metricType
            self.status = status
        }
    }

    public private(set) var samples: [SampleKey: Int] = [:]
    public private(set) var conversionErrors: [RejectionReason: Int] = [:]
    public private(set) var batchDurations: [Duration] = []

    public init() {}

    public var isEmpty: Bool { batchDurations.isEmpty }

    /// Counts one HealthKit envelope. A duplicate counts only its time: its
    /// samples were counted when it was first decided.
    public mutating func record(_ outcome: EnvelopeOutcome, took duration: Duration) {
        batchDurations.append(duration)
        switch outcome {
        case .decided(_, let event, let rejections):
            for reading in event.readings { samples[SampleKey(metricType: reading.metric.name, status: .accepted), default: 0] += 1 }
            count(rejections)
        case .failed(let reason, _, let rejections):
            // Without sample rejections the body as a whole failed to convert.
            if rejections.isEmpty { conversionErrors[reason, default: 0] += 1 } else { count(rejections) }
        case .duplicate, .notFetched:
            break
        }
    }

    private mutating func count(_ rejections: [Rejection]) {
        for rejection in rejections {
            samples[SampleKey(metricType: rejection.metric?.name ?? "unknown", status: .rejected), default: 0] += 1
            // The range check is validation; every other sample reason means
            // the sample could not be converted to a reading.
            if rejection.reason != .outOfRange { conversionErrors[rejection.reason, default: 0] += 1 }
        }
    }
}
