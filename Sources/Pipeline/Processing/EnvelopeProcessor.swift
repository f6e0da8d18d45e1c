/// Normalise → validate → decide for one envelope: the same code for the
/// streaming processor and for `replay`, so a backtest decides exactly as
/// production does.
public struct EnvelopeProcessor: Sendable {
    public let configuration: BridgeConfiguration
    private let normalizer: Normalizer
    private let validator: Validator
    private let engine: DecisionEngine

    public init(configuration: BridgeConfiguration) {
        self.configuration = configuration
        normalizer = Normalizer(configuration: configuration)
        validator = Validator(configuration: configuration)
        engine = DecisionEngine(configuration: configuration)
    }

    public var configVersion: String { engine.configVersion }

    /// Processes `envelope` against its user's entry in `states`. A user
    /// appears in `states` only once an event of theirs was decided, so a
    /// flood of records that fail leaves no state behind.
    public func process(_ envelope: Envelope, in states: inout [String: UserState]) -> EnvelopeOutcome {
        // `index(forKey:)` and `values[index]` change the state in place; a
        // lookup by key would copy it.
        if let index = states.index(forKey: envelope.userID) { return process(envelope, state: &states.values[index]) }
        var state = UserState(userID: envelope.userID)
        let outcome = process(envelope, state: &state)
        if case .decided = outcome { states[envelope.userID] = state }
        return outcome
    }

    /// `state` must be the state of `envelope.userID`.
    public func process(_ envelope: Envelope, state: inout UserState) -> EnvelopeOutcome {
        switch normalizer.normalize(envelope) {
        case .failure(let reason, let detail):
            return .failed(reason, detail: detail, rejections: [])
        case .notification(let provider):
            return .notFetched(provider)
        case .record(let record):
            switch validator.validate(record) {
            case .noValidReadings(let rejections):
                return .failed(.noValidReadings, detail: "no reading passed validation", rejections: rejections)
            case .event(let event, let rejections):
                let decision = engine.decide(event, state: &state)
                return decision.isDuplicate ? .duplicate : .decided(decision, event: event, rejections: rejections)
            }
        }
    }
}
