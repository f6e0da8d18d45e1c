/// The stored form of a `UserState`: compact, versioned binary. Equal states
/// encode to equal bytes, so a replay's states can be compared with a live
/// run's byte for byte. Enumerations are stored by name, so reordering cases
/// never corrupts stored states. Format 2 stores remembered identities as
/// 16-byte digests; format 1 (the ids' text) is still read, and digested.
public enum UserStateCodec {
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    static let formatVersion: UInt8 = 2
    static let textIdentitiesFormat: UInt8 = 1

    public static func encode(_ state: UserState) -> [UInt8] {
        var writer = BinaryWriter(capacity: 512)
        writer.write(formatVersion)
        writer.write(state.userID)
        writer.write(state.mode.rawValue)
        writer.write(state.confidence)
        writer.write(state.version)
        writer.write(state.clock)
        writer.write(state.lastSwitch)

        let viewed = Metric.allCases.filter { state.view[$0.rawValue] != nil }
        writer.write(UInt8(viewed.count))
        for metric in viewed {
            let entry = state.view[metric.rawValue]!
            writer.write(metric.name)
            writer.write(entry.value)
            writer.write(entry.time.nanoseconds)
        }

        let withBaseline = Metric.allCases.filter { state.baselines[$0.rawValue].count > 0 }
        writer.write(UInt8(withBaseline.count))
        for metric in withBaseline {
            let baseline = state.baselines[metric.rawValue]
            writer.write(metric.name)
            writer.write(baseline.weightedSum)
            writer.write(baseline.weightSum)
            writer.write(baseline.count)
            writer.write(baseline.newest)
        }

        for bucket in state.lowHrvHours + state.lowRecoveryWeekdays {
            writer.write(UInt16(bucket.times.count))
            for time in bucket.times { writer.write(time.nanoseconds) }
        }

        let identities = state.recentIdentities.digests
        writer.write(UInt16(identities.count))
        for identity in identities {
            writer.write(Int64(bitPattern: identity.h1))
            writer.write(Int64(bitPattern: identity.h2))
        }

        writer.write(UInt16(state.history.count))
        for modeSwitch in state.history { encode(modeSwitch, into: &writer) }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(Invalid) -> UserState {
        var reader = BinaryReader(bytes)
        do {
            let format = try reader.readByte()
            guard format == formatVersion || format == textIdentitiesFormat else { throw Invalid(description: "unknown state format \(format)") }
            var state = UserState(userID: try reader.readString())
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
            for hour in 0..<24 { state.lowHrvHours[hour] = try bucket(&reader) }
            for weekday in 0..<7 { state.lowRecoveryWeekdays[weekday] = try bucket(&reader) }

            var identities: [RecentIdentities.Digest] = []
            for _ in 0..<Int(try reader.readUInt16()) {
                if format == textIdentitiesFormat {
                    identities.append(RecentIdentities.Digest(try reader.readString()))
                } else {
                    identities.append(RecentIdentities.Digest(h1: UInt64(bitPattern: try reader.readInt64()), h2: UInt64(bitPattern: try reader.readInt64())))
                }
            }
            state.recentIdentities = RecentIdentities(digests: identities)

            for _ in 0..<Int(try reader.readUInt16()) { state.history.append(try modeSwitch(&reader, userID: state.userID)) }
            guard reader.isAtEnd else { throw Invalid(description: "unexpected bytes after the state") }
            return state
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(description: "truncated state: \(error)")
        }
    }

    private static func encode(_ modeSwitch: ModeSwitch, into writer: inout BinaryWriter) {
        writer.write(modeSwitch.switchID)
        writer.write(modeSwitch.previousMode.rawValue)
        writer.write(modeSwitch.newMode.rawValue)
        writer.write(modeSwitch.reasonCode.rawValue)
        writer.write(modeSwitch.confidence)
        writer.write(modeSwitch.eventTime.nanoseconds)
        writer.write(modeSwitch.configVersion)
        writer.write(modeSwitch.snapshot.hrv)
        writer.write(modeSwitch.snapshot.heartRate)
        writer.write(modeSwitch.snapshot.stressLevel)
        writer.write(modeSwitch.snapshot.recoveryScore)
        writer.write(modeSwitch.snapshot.provider.rawValue)
    }

    private static func modeSwitch(_ reader: inout BinaryReader, userID: String) throws -> ModeSwitch {
        let switchID = try reader.readString()
        let previous = try mode(try reader.readString())
        let new = try mode(try reader.readString())
        let reasonName = try reader.readString()
        guard let reason = ReasonCode(rawValue: reasonName) else { throw Invalid(description: "unknown reason code \(reasonName)") }
        let confidence = try reader.readDouble()
        let eventTime = Timestamp(nanoseconds: try reader.readInt64())
        let configVersion = try reader.readString()
        let hrv = try reader.readOptionalDouble()
        let heartRate = try reader.readOptionalDouble()
        let stress = try reader.readOptionalDouble()
        let recovery = try reader.readOptionalDouble()
        let providerName = try reader.readString()
        guard let provider = Provider(rawValue: providerName) else { throw Invalid(description: "unknown provider \(providerName)") }
        return ModeSwitch(
            switchID: switchID, userID: userID, previousMode: previous, newMode: new, reasonCode: reason, confidence: confidence,
            eventTime: eventTime, configVersion: configVersion,
            snapshot: CognitiveStateSnapshot(hrv: hrv, heartRate: heartRate, stressLevel: stress, recoveryScore: recovery, provider: provider))
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
