import Pipeline

/// Builders for envelopes and events, so each test reads as its scenario.
enum Fixtures {
    static let start = TimestampParser.parse("2026-11-20T08:00:00Z")!

    static func at(minutes: Double, from base: Timestamp = start) -> Timestamp {
        base.adding(seconds: minutes * 60)
    }

    static func canonicalBody(eventID: String, userID: String, time: Timestamp, readings: [(Metric, Double)]) -> String {
        let list = readings.map { "{\"metric\":\"\($0.0.name)\",\"value\":\(JSONWriter.number($0.1))}" }.joined(separator: ",")
        return "{\"event_id\":\"\(eventID)\",\"user_id\":\"\(userID)\",\"timestamp\":\"\(time)\",\"readings\":[\(list)]}"
    }

    static func canonical(_ userID: String = "user-1", minutes: Double, _ readings: [(Metric, Double)], eventID: String? = nil) -> Envelope {
        let time = at(minutes: minutes)
        let id = eventID ?? "\(userID)-\(time.nanoseconds)"
        return Envelope(
            provider: .canonical, userID: userID, receivedAt: time,
            body: Array(canonicalBody(eventID: id, userID: userID, time: time, readings: readings).utf8))
    }

    static func healthKit(_ userID: String = "user-1", receivedAt: Timestamp = start, body: String) -> Envelope {
        Envelope(provider: .appleHealth, userID: userID, receivedAt: receivedAt, body: Array(body.utf8))
    }

    static func line(_ envelope: Envelope) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("provider", envelope.provider.rawValue)
        writer.member("user_id", envelope.userID)
        writer.member("received_at", envelope.receivedAt.description)
        if let deliveryID = envelope.deliveryID { writer.member("delivery_id", deliveryID) }
        if let dataType = envelope.dataType { writer.member("data_type", dataType) }
        writer.key("body")
        return writer.text + String(decoding: envelope.body, as: UTF8.self) + "}"
    }
}

/// Runs envelopes through the real processor for one or more users.
struct Scenario {
    let processor: EnvelopeProcessor
    var states: [String: UserState] = [:]

    init(configuration: BridgeConfiguration = BridgeConfiguration()) {
        processor = EnvelopeProcessor(configuration: configuration)
    }

    @discardableResult
    mutating func send(_ envelope: Envelope) -> EnvelopeOutcome {
        let userID = envelope.userID
        return processor.process(envelope, state: &states[userID, default: UserState(userID: userID)])
    }

    /// The switch the envelope caused, if any.
    mutating func switchFor(_ envelope: Envelope) -> ModeSwitch? {
        if case .decided(let decision, _, _) = send(envelope) { return decision.modeSwitch }
        return nil
    }

    mutating func decision(_ envelope: Envelope) -> Decision? {
        if case .decided(let decision, _, _) = send(envelope) { return decision }
        return nil
    }
}
