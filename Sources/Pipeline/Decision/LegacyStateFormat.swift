/// Reads the states formats 1 and 2 stored, so a state written before the
/// current format is migrated when it is read and sealed in the current
/// format at its next change. Both stored enumerations by name and every
/// number in eight bytes; format 1 stored remembered identities as the ids'
/// text, format 2 as 128-bit digests (read as the 96 bits kept now). Their history entries carried the whole
/// switch: the entry keeps the switch id's 16 bytes, and drops the snapshot,
/// which the current format does not keep.
enum LegacyStateFormat {
    static let textIdentities: UInt8 = 1
    static let digestIdentities: UInt8 = 2

    typealias Invalid = UserStateCodec.Invalid

    /// The state after the format byte, which was `format`; these formats
    /// stored the user id, which must be `userID`.
    static func decode(_ reader: inout BinaryReader, format: UInt8, userID: String) throws -> UserState {
        let storedUserID = try reader.readString()
        guard storedUserID == userID else { throw Invalid(description: "the state of another user") }
        var state = UserState(userID: userID)
        state.mode = try mode(try reader.readString())
        state.confidence = try reader.readDouble()
        state.version = try reader.readInt64()
        state.clock = try reader.readOptionalTimestamp()
        state.lastSwitch = try reader.readOptionalTimestamp()

        for _ in 0..<Int(try reader.readByte()) {
            let metric = try metric(try reader.readString())
            let value = try reader.readDouble()
            state.view[metric.rawValue] = ViewEntry(value: value, time: Timestamp(nanoseconds: try reader.readInt64()))
        }
        for _ in 0..<Int(try reader.readByte()) {
            let metric = try metric(try reader.readString())
            state.baselines[metric.rawValue] = Baseline(
                weightedSum: try reader.readDouble(), weightSum: try reader.readDouble(),
                count: try reader.readInt64(), newest: try reader.readOptionalTimestamp())
        }
        for hour in 0..<UserState.hours { state.lowHrvHours[hour] = try bucket(&reader) }
        for weekday in 0..<UserState.weekdays { state.lowRecoveryWeekdays[weekday] = try bucket(&reader) }

        var identities: [RecentIdentities.Digest] = []
        for _ in 0..<Int(try reader.readUInt16()) {
            if format == textIdentities {
                identities.append(RecentIdentities.Digest(try reader.readString()))
            } else {
                let high = UInt64(bitPattern: try reader.readInt64())
                identities.append(RecentIdentities.Digest(high: high, low: UInt32(truncatingIfNeeded: try reader.readInt64())))
            }
        }
        state.recentIdentities = RecentIdentities(digests: identities)

        for _ in 0..<Int(try reader.readUInt16()) { state.history.append(try switchRecord(&reader)) }
        return state
    }

    private static func switchRecord(_ reader: inout BinaryReader) throws -> SwitchRecord {
        let switchID = try reader.readString()
        guard let identity = SwitchRecord.identity(ofSwitchID: switchID) else { throw Invalid(description: "a switch id that is not 32 hex digits") }
        let previous = try mode(try reader.readString())
        let new = try mode(try reader.readString())
        let reasonName = try reader.readString()
        guard let reason = ReasonCode(rawValue: reasonName) else { throw Invalid(description: "unknown reason code \(reasonName)") }
        let confidence = try reader.readDouble()
        let eventTime = Timestamp(nanoseconds: try reader.readInt64())
        let configVersion = try reader.readString()
        // The snapshot: four optional values and the provider's name.
        for _ in 0..<4 { _ = try reader.readOptionalDouble() }
        let providerName = try reader.readString()
        guard Provider(rawValue: providerName) != nil else { throw Invalid(description: "unknown provider \(providerName)") }
        return SwitchRecord(
            identity: identity, previousMode: previous, newMode: new, reasonCode: reason, confidence: confidence, eventTime: eventTime,
            configVersion: configVersion)
    }

    private static func bucket(_ reader: inout BinaryReader) throws -> PatternBucket {
        var times: [Timestamp] = []
        for _ in 0..<Int(try reader.readUInt16()) { times.append(Timestamp(nanoseconds: try reader.readInt64())) }
        return PatternBucket(times: times)
    }

    private static func mode(_ name: String) throws(Invalid) -> CognitiveMode {
        guard let mode = CognitiveMode(rawValue: name) else { throw Invalid(description: "unknown mode \(name)") }
        return mode
    }

    private static func metric(_ name: String) throws(Invalid) -> Metric {
        guard let metric = Metric(name: name) else { throw Invalid(description: "unknown metric \(name)") }
        return metric
    }
}
