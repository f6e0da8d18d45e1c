/// A change of a user's cognitive mode: the Kafka message on
/// `neuros-mode-switches`, the `mode_transitions` row and the `replay` line.
public struct ModeSwitch: Sendable, Hashable {
    /// The version of `schemas/mode-switch.schema.json` that `json` follows.
    /// The JSON itself is exactly SPEC 5.4's, so the version travels beside
    /// it (a Kafka header) rather than inside it.
    public static let schemaVersion = 1

    /// Hex of the first 16 bytes of SHA-256 of `"<user_id>:<version>"`, so a
    /// replay re-sends the same id.
    public var switchID: String
    public var userID: String
    public var previousMode: CognitiveMode
    public var newMode: CognitiveMode
    public var reasonCode: ReasonCode
    public var confidence: Double
    public var eventTime: Timestamp
    public var configVersion: String
    public var snapshot: CognitiveStateSnapshot

    public init(
        switchID: String, userID: String, previousMode: CognitiveMode, newMode: CognitiveMode, reasonCode: ReasonCode,
        confidence: Double, eventTime: Timestamp, configVersion: String, snapshot: CognitiveStateSnapshot
    ) {
        self.switchID = switchID
        self.userID = userID
        self.previousMode = previousMode
        self.newMode = newMode
        self.reasonCode = reasonCode
        self.confidence = confidence
        self.eventTime = eventTime
        self.configVersion = configVersion
        self.snapshot = snapshot
    }

    public static func switchID(userID: String, version: Int64) -> String {
        String(SHA256Digest.hex(of: Array("\(userID):\(version)".utf8)).prefix(32))
    }

    /// The mode-switch JSON, keys in the documented order, on one line.
    public var json: String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("switch_id", switchID)
        writer.member("user_id", userID)
        writer.member("previous_mode", previousMode.rawValue)
        writer.member("new_mode", newMode.rawValue)
        writer.member("reason_code", reasonCode.rawValue)
        writer.member("reason", reasonCode.sentence)
        writer.member("confidence", confidence)
        writer.member("event_time", eventTime.description)
        writer.member("config_version", configVersion)
        writer.key("snapshot")
        writer.beginObject()
        writer.member("hrv", snapshot.hrv)
        writer.member("heart_rate", snapshot.heartRate)
        writer.member("stress_level", snapshot.stressLevel)
        writer.member("recovery_score", snapshot.recoveryScore)
        writer.member("provider", snapshot.provider.rawValue)
        writer.endObject()
        writer.endObject()
        return writer.text
    }
}
