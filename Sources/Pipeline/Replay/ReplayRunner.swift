/// `replay`'s engine: NDJSON envelopes in, mode switches out, every user's
/// state kept in memory. No Kafka, no database, no clock.
public struct ReplayRunner: Sendable {
    private let processor: EnvelopeProcessor
    private var states: [String: UserState] = [:]
    public private(set) var summary = ReplaySummary()

    public init(configuration: BridgeConfiguration) {
        processor = EnvelopeProcessor(configuration: configuration)
    }

    public var configVersion: String { processor.configVersion }

    /// Processes one line; returns its mode switch, if any. A malformed line
    /// is counted and described in the error, never fatal.
    public mutating func process(line: [UInt8]) throws(EnvelopeLine.Malformed) -> ModeSwitch? {
        summary.lines += 1
        let envelope: Envelope
        do {
            envelope = try EnvelopeLine.decode(line)
        } catch {
            summary.malformedLines += 1
            summary.rejections[.malformedEnvelope, default: 0] += 1
            throw error
        }
        let outcome = processor.process(envelope, in: &states)
        summary.users = states.count
        switch outcome {
        case .decided(let decision, _, let rejections):
            summary.events += 1
            count(rejections)
            summary.readings += decision.appliedReadings
            summary.lateReadings += decision.lateReadings
            if decision.isBorderline { summary.borderline += 1 }
            if let modeSwitch = decision.modeSwitch {
                summary.switches[modeSwitch.newMode, default: 0] += 1
                return modeSwitch
            }
        case .duplicate:
            summary.duplicates += 1
        case .failed(let reason, _, let rejections):
            summary.deadLettered += 1
            summary.rejections[reason, default: 0] += 1
            count(rejections)
        case .notFetched:
            summary.notFetched += 1
        }
        return nil
    }

    private mutating func count(_ rejections: [Rejection]) {
        for rejection in rejections { summary.rejections[rejection.reason, default: 0] += 1 }
    }

    public func state(of userID: String) -> UserState? { states[userID] }
}
