/// The validate stage: each reading within its metric's configured range
/// (inclusive), then the event is timed and its readings put in time order.
public struct Validator: Sendable {
    public enum Outcome: Sendable, Hashable {
        case event(BiometricEvent, rejections: [Rejection])
        /// No reading survived: the record is dead-lettered whole.
        case noValidReadings(rejections: [Rejection])
    }

    public let configuration: BridgeConfiguration

    public init(configuration: BridgeConfiguration) {
        self.configuration = configuration
    }

    public func validate(_ record: NormalizedRecord) -> Outcome {
        var rejections = record.rejections
        var readings: [Reading] = []
        readings.reserveCapacity(record.candidates.count)
        for candidate in record.candidates {
            if configuration.validRange(of: candidate.reading.metric).contains(candidate.reading.value) {
                readings.append(candidate.reading)
            } else {
                rejections.append(Rejection(index: candidate.index, reason: .outOfRange, metric: candidate.reading.metric))
            }
        }
        guard let latest = readings.map(\.timestamp).max() else { return .noValidReadings(rejections: rejections) }
        if !Self.isSortedByTime(readings) {
            // Stable: readings at the same time keep their array order.
            readings = readings.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
        }
        let event = BiometricEvent(
            eventID: record.identity, deliveryID: record.deliveryID, userID: record.userID, provider: record.provider,
            deviceType: record.deviceType, timestamp: max(latest, record.ownTimestamp ?? latest), readings: readings)
        return .event(event, rejections: rejections)
    }

    private static func isSortedByTime(_ readings: [Reading]) -> Bool {
        zip(readings, readings.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp }
    }
}
