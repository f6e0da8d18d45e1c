/// The stored form of a `UserState`: compact, versioned binary. Equal states
/// encode to equal bytes, so a replay's states can be compared with a live
/// run's byte for byte.
///
/// Format 3 keeps a state with a full history and identity set under 2 KB:
/// enumerations as one-byte `StateCodes`, counts and versions as
/// variable-length integers, times as distances from the user's clock (or
/// from the time before them in a list) in the coarsest exact unit,
/// confidences and readings that are whole millionths as integers, history
/// entries without the snapshot and with the version their switch id is
/// derived from, and no user id, which is the key the state is stored
/// under. The remembered identities, 12 random-looking bytes each, are
/// still a third of a full state. Formats 1 and 2 are still read
/// (`LegacyStateFormat`) and sealed in format 3 at the state's next change.
public enum UserStateCodec {
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    static let formatVersion: UInt8 = 3

    /// Which parts of a metric's view and baseline follow its code.
    private struct MetricParts: OptionSet {
        let rawValue: UInt8
        static let view = MetricParts(rawValue: 1)
        static let baseline = MetricParts(rawValue: 2)
        static let baselineNewest = MetricParts(rawValue: 4)
        /// The baseline's newest reading is the view's, as it is unless the
        /// configuration changed under it: its time is not written twice.
        static let newestIsViewTime = MetricParts(rawValue: 8)
    }

    /// How a history entry names its switch: by the step from the previous
    /// entry's version (almost always), by its whole version, or by the
    /// switch id's 16 bytes (entries migrated from formats 1 and 2).
    private enum HistoryStep {
        static let digest: UInt64 = 0
        static let wholeVersion: UInt64 = 1
        /// A step of one is written as this.
        static let firstStep: Int64 = 1
        static let largest = Int64(1) << 60
    }

    public static func encode(_ state: UserState) -> [UInt8] {
        var writer = BinaryWriter(capacity: 512)
        writer.write(formatVersion)
        writer.write(StateCodes.modes.code(of: state.mode))
        writer.writeDecimal(state.confidence)
        writer.writeSignedVarint(state.version)
        writer.write(UInt8(state.clock == nil ? 0 : 1) | UInt8(state.lastSwitch == nil ? 0 : 2))
        if let clock = state.clock { writer.write(clock.nanoseconds) }
        let clock = state.clock ?? Timestamp(nanoseconds: 0)
        if let lastSwitch = state.lastSwitch { writer.write(lastSwitch, before: clock) }

        encodeMetrics(of: state, clock: clock, into: &writer)
        let buckets = (0..<UserState.hours).map { state.lowHrvHours[$0] } + (0..<UserState.weekdays).map { state.lowRecoveryWeekdays[$0] }
        for bucket in buckets {
            writer.writeVarint(UInt64(bucket.times.count))
            var previous: Timestamp?
            for time in bucket.times {
                write(time, following: previous, clock: clock, into: &writer)
                previous = time
            }
        }

        let identities = state.recentIdentities.digests
        writer.writeVarint(UInt64(identities.count))
        for identity in identities {
            writer.write(Int64(bitPattern: identity.high))
            writer.write(identity.low)
        }

        encodeHistory(state.history, clock: clock, into: &writer)
        return writer.bytes
    }

    /// The state of `userID`, the key it is stored under (format 3 does not repeat it).
    public static func decode(_ bytes: [UInt8], userID: String) throws(Invalid) -> UserState {
        var reader = BinaryReader(bytes)
        do {
            let format = try reader.readByte()
            let state: UserState
            switch format {
            case formatVersion:
                state = try decodeCurrent(&reader, userID: userID)
            case LegacyStateFormat.textIdentities, LegacyStateFormat.digestIdentities:
                state = try LegacyStateFormat.decode(&reader, format: format, userID: userID)
            default: throw Invalid(description: "unknown state format \(format)")
            }
            guard reader.isAtEnd else { throw Invalid(description: "unexpected bytes after the state") }
            return state
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(description: "truncated state: \(error)")
        }
    }

    private static func decodeCurrent(_ reader: inout BinaryReader, userID: String) throws -> UserState {
        var state = UserState(userID: userID)
        state.mode = try code(try reader.readByte(), in: StateCodes.modes, "mode")
        state.confidence = try reader.readDecimal()
        state.version = try reader.readSignedVarint()
        let present = try reader.readByte()
        guard present < 4 else { throw Invalid(description: "unknown clock flags \(present)") }
        if present & 1 != 0 { state.clock = Timestamp(nanoseconds: try reader.readInt64()) }
        let clock = state.clock ?? Timestamp(nanoseconds: 0)
        if present & 2 != 0 { state.lastSwitch = try reader.readTime(before: clock) }

        try decodeMetrics(into: &state, clock: clock, from: &reader)
        for index in 0..<(UserState.hours + UserState.weekdays) {
            var times: [Timestamp] = []
            for _ in 0..<(try reader.readCount()) { times.append(try readTime(following: times.last, clock: clock, from: &reader)) }
            if index < UserState.hours {
                state.lowHrvHours[index] = PatternBucket(times: times)
            } else {
                state.lowRecoveryWeekdays[index - UserState.hours] = PatternBucket(times: times)
            }
        }

        var identities: [RecentIdentities.Digest] = []
        for _ in 0..<(try reader.readCount()) {
            identities.append(RecentIdentities.Digest(high: UInt64(bitPattern: try reader.readInt64()), low: try reader.readUInt32()))
        }
        state.recentIdentities = RecentIdentities(digests: identities)

        state.history = try decodeHistory(clock: clock, from: &reader)
        return state
    }

    private static func encodeMetrics(of state: UserState, clock: Timestamp, into writer: inout BinaryWriter) {
        let stored = Metric.allCases.filter { state.view[$0.rawValue] != nil || state.baselines[$0.rawValue] != Baseline() }
        writer.write(UInt8(stored.count))
        for metric in stored {
            let entry = state.view[metric.rawValue]
            let baseline = state.baselines[metric.rawValue]
            var parts: MetricParts = []
            if entry != nil { parts.insert(.view) }
            if baseline != Baseline() { parts.insert(.baseline) }
            if baseline.newest != nil { parts.insert(.baselineNewest) }
            if let newest = baseline.newest, newest == entry?.time { parts.insert(.newestIsViewTime) }
            writer.write(StateCodes.metrics.code(of: metric))
            writer.write(parts.rawValue)
            if let entry {
                writer.writeDecimal(entry.value)
                writer.write(entry.time, before: clock)
            }
            if parts.contains(.baseline) {
                writer.write(baseline.weightedSum)
                writer.write(baseline.weightSum)
                writer.writeSignedVarint(baseline.count)
                if let newest = baseline.newest, !parts.contains(.newestIsViewTime) { writer.write(newest, before: clock) }
            }
        }
    }

    private static func decodeMetrics(into state: inout UserState, clock: Timestamp, from reader: inout BinaryReader) throws {
        for _ in 0..<Int(try reader.readByte()) {
            let metric = try code(try reader.readByte(), in: StateCodes.metrics, "metric")
            let parts = MetricParts(rawValue: try reader.readByte())
            guard parts.rawValue < 16, !parts.contains(.newestIsViewTime) || parts.isSuperset(of: [.view, .baselineNewest]) else {
                throw Invalid(description: "inconsistent parts \(parts.rawValue) of metric \(metric.name)")
            }
            if parts.contains(.view) {
                let value = try reader.readDecimal()
                state.view[metric.rawValue] = ViewEntry(value: value, time: try reader.readTime(before: clock))
            }
            if parts.contains(.baseline) {
                let weightedSum = try reader.readDouble()
                let weightSum = try reader.readDouble()
                let count = try reader.readSignedVarint()
                var newest: Timestamp?
                if parts.contains(.newestIsViewTime) {
                    newest = state.view[metric.rawValue]?.time
                } else if parts.contains(.baselineNewest) {
                    newest = try reader.readTime(before: clock)
                }
                state.baselines[metric.rawValue] = Baseline(weightedSum: weightedSum, weightSum: weightSum, count: count, newest: newest)
            }
        }
    }

    /// The config versions first, each once; then per entry a byte of modes
    /// and reason, a `HistoryStep` (doubled, plus one when the entry's config
    /// version is not the previous entry's, whose index then follows), the
    /// confidence and the time.
    private static func encodeHistory(_ history: [SwitchRecord], clock: Timestamp, into writer: inout BinaryWriter) {
        var configVersions: [String] = []
        for record in history where !configVersions.contains(record.configVersion) { configVersions.append(record.configVersion) }
        writer.writeVarint(UInt64(configVersions.count))
        for configVersion in configVersions { writer.write(configVersion) }

        writer.writeVarint(UInt64(history.count))
        var previousVersion: Int64 = 0
        var previousConfig = 0
        var previousTime: Timestamp?
        for record in history {
            writer.write(
                StateCodes.modes.code(of: record.previousMode) | StateCodes.modes.code(of: record.newMode) << 2
                    | StateCodes.reasons.code(of: record.reasonCode) << 4)
            let config = configVersions.firstIndex(of: record.configVersion)!
            let configChanged: UInt64 = config == previousConfig ? 0 : 1
            switch record.identity {
            case .version(let version):
                let (step, overflow) = version.subtractingReportingOverflow(previousVersion)
                if !overflow, step >= 1, step < HistoryStep.largest {
                    writer.writeVarint(UInt64(step + HistoryStep.firstStep) << 1 | configChanged)
                } else {
                    writer.writeVarint(HistoryStep.wholeVersion << 1 | configChanged)
                    writer.writeSignedVarint(version)
                }
                previousVersion = version
            case .digest(let high, let low):
                writer.writeVarint(HistoryStep.digest << 1 | configChanged)
                writer.write(Int64(bitPattern: high))
                writer.write(Int64(bitPattern: low))
            }
            if configChanged == 1 { writer.writeVarint(UInt64(config)) }
            previousConfig = config
            writer.writeDecimal(record.confidence)
            write(record.eventTime, following: previousTime, clock: clock, into: &writer)
            previousTime = record.eventTime
        }
    }

    private static func decodeHistory(clock: Timestamp, from reader: inout BinaryReader) throws -> [SwitchRecord] {
        var configVersions: [String] = []
        for _ in 0..<(try reader.readCount()) { configVersions.append(try reader.readString()) }

        var history: [SwitchRecord] = []
        var previousVersion: Int64 = 0
        var config = 0
        var previousTime: Timestamp?
        for _ in 0..<(try reader.readCount()) {
            let codes = try reader.readByte()
            let previousMode = try code(codes & 3, in: StateCodes.modes, "mode")
            let newMode = try code(codes >> 2 & 3, in: StateCodes.modes, "mode")
            let reason = try code(codes >> 4, in: StateCodes.reasons, "reason code")
            let header = try reader.readVarint()
            let identity: SwitchRecord.Identity
            switch header >> 1 {
            case HistoryStep.digest:
                identity = .digest(UInt64(bitPattern: try reader.readInt64()), UInt64(bitPattern: try reader.readInt64()))
            case HistoryStep.wholeVersion:
                previousVersion = try reader.readSignedVarint()
                identity = .version(previousVersion)
            case let step:
                previousVersion = previousVersion &+ Int64(bitPattern: step) &- Int64(HistoryStep.firstStep)
                identity = .version(previousVersion)
            }
            if header & 1 == 1 { config = Int(clamping: try reader.readVarint()) }
            guard config < configVersions.count else { throw Invalid(description: "config version \(config) of \(configVersions.count)") }
            let confidence = try reader.readDecimal()
            let eventTime = try readTime(following: previousTime, clock: clock, from: &reader)
            previousTime = eventTime
            history.append(SwitchRecord(
                identity: identity, previousMode: previousMode, newMode: newMode, reasonCode: reason, confidence: confidence,
                eventTime: eventTime, configVersion: configVersions[config]))
        }
        return history
    }

    /// Lists of times, oldest first: the first before the user's clock, each
    /// next after the one before it, so each costs its distance.
    private static func write(_ time: Timestamp, following previous: Timestamp?, clock: Timestamp, into writer: inout BinaryWriter) {
        if let previous { writer.write(time, after: previous) } else { writer.write(time, before: clock) }
    }

    private static func readTime(following previous: Timestamp?, clock: Timestamp, from reader: inout BinaryReader) throws -> Timestamp {
        if let previous { try reader.readTime(after: previous) } else { try reader.readTime(before: clock) }
    }

    private static func code<Value>(_ code: UInt8, in table: StateCodes.Table<Value>, _ kind: String) throws(Invalid) -> Value {
        guard let value = table.value(of: code) else { throw Invalid(description: "unknown \(kind) code \(code)") }
        return value
    }
}
