/// One entry of a user's mode history: which switch, when, from what to what,
/// why and how sure. The history is the state's own account of the user's
/// recent switches; the values the decision saw (the snapshot) travel in the
/// switch's Kafka message and its `mode_transitions` row, so an entry does not
/// repeat them and stays about ten bytes when stored.
public struct SwitchRecord: Sendable, Hashable {
    /// What the switch id is derived from.
    public enum Identity: Sendable, Hashable {
        /// The user's version when the switch was decided: the id is
        /// `ModeSwitch.switchID(userID:version:)`.
        case version(Int64)
        /// The id's 16 bytes, for entries read from a format that stored only
        /// the id; newer switches push them out of the history.
        case digest(UInt64, UInt64)
    }

    public var identity: Identity
    public var previousMode: CognitiveMode
    public var newMode: CognitiveMode
    public var reasonCode: ReasonCode
    public var confidence: Double
    public var eventTime: Timestamp
    public var configVersion: String

    public init(
        identity: Identity, previousMode: CognitiveMode, newMode: CognitiveMode, reasonCode: ReasonCode, confidence: Double,
        eventTime: Timestamp, configVersion: String
    ) {
        self.identity = identity
        self.previousMode = previousMode
        self.newMode = newMode
        self.reasonCode = reasonCode
        self.confidence = confidence
        self.eventTime = eventTime
        self.configVersion = configVersion
    }

    /// The entry of a switch decided at `version`.
    public init(_ modeSwitch: ModeSwitch, version: Int64) {
        self.init(
            identity: .version(version), previousMode: modeSwitch.previousMode, newMode: modeSwitch.newMode,
            reasonCode: modeSwitch.reasonCode, confidence: modeSwitch.confidence, eventTime: modeSwitch.eventTime,
            configVersion: modeSwitch.configVersion)
    }

    /// The switch's `switch_id`, as its message carried it.
    public func switchID(userID: String) -> String {
        switch identity {
        case .version(let version): ModeSwitch.switchID(userID: userID, version: version)
        case .digest(let high, let low): Hex.encode(Self.bytes(high) + Self.bytes(low))
        }
    }

    /// The identity of a switch id read from an older format: its 32 hex digits as two words.
    static func identity(ofSwitchID switchID: String) -> Identity? {
        guard let bytes = Hex.decode(switchID), bytes.count == 16 else { return nil }
        func word(_ slice: ArraySlice<UInt8>) -> UInt64 { slice.reduce(0) { $0 << 8 | UInt64($1) } }
        return .digest(word(bytes[0..<8]), word(bytes[8..<16]))
    }

    private static func bytes(_ word: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: word >> (56 - 8 * $0)) }
    }
}
