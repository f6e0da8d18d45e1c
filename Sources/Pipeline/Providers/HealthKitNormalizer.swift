/// Apple HealthKit batches: `{"user_id", "samples": […]}` or an
/// array of such pushes. Each sample is accepted or rejected on its own; the
/// checks run in the order type, unit, value, timestamp, future (the range
/// comes last, in validation), and the first failure names the reason.
struct HealthKitNormalizer {
    let context: NormalizationContext

    /// The samples of every push with their indexes (`3`, or `1.3` in an
    /// array of pushes), or the reason the body as a whole is refused.
    func candidates(_ body: JSONValue) -> Result<([NormalizedRecord.Candidate], [Rejection]), Normalizer.Failure> {
        var candidates: [NormalizedRecord.Candidate] = []
        var rejections: [Rejection] = []
        func take(_ samples: [JSONValue], prefix: String?) {
            candidates.reserveCapacity(candidates.count + samples.count)
            for (position, sample) in samples.enumerated() {
                let index = prefix.map { "\($0).\(position)" } ?? String(position)
                switch normalize(sample) {
                case .reading(let reading): candidates.append(.init(index: index, reading: reading))
                case .rejected(let reason):
                    let metric = sample["type"]?.stringValue.flatMap(HealthKitType.named)?.metric
                    rejections.append(Rejection(index: index, reason: reason, metric: metric))
                }
            }
        }
        switch body {
        case .object:
            guard let samples = body["samples"]?.arrayValue else { return .failure(.init(.malformedBody, "the batch has no samples array")) }
            take(samples, prefix: nil)
        case .array(let pushes):
            guard !pushes.isEmpty else { return .failure(.init(.malformedBody, "an empty array of pushes")) }
            for (position, push) in pushes.enumerated() {
                guard push.isObject, let samples = push["samples"]?.arrayValue else {
                    return .failure(.init(.malformedBody, "push \(position) has no samples array"))
                }
                take(samples, prefix: String(position))
            }
        default:
            return .failure(.init(.malformedBody, "a HealthKit body is an object or an array of pushes"))
        }
        return .success((candidates, rejections))
    }

    func normalize(_ sample: JSONValue) -> SampleOutcome {
        let ingest = context.configuration.ingest
        guard sample.isObject, let typeName = sample["type"]?.stringValue, let type = HealthKitType.named(typeName) else {
            return .rejected(.unsupportedType)
        }

        let unit = sample["unit"]
        var conversion = UnitConversion.identity
        if type.kind != .sleep, let unit {
            guard let name = unit.stringValue, let accepted = type.units[name] else { return .rejected(.unsupportedUnit) }
            conversion = accepted
        }

        var datedAt: Timestamp?
        var value: Double
        switch type.kind {
        case .sleep:
            guard case .value(let parsed) = SleepValue.parse(sample["value"]) else { return .rejected(.invalidValue) }
            value = parsed
        case .mindful where sample["value"] == nil:
            // A session with start and end lasts end − start and is dated at its start.
            guard sample["start"] != nil, sample["end"] != nil else { return .rejected(.invalidValue) }
            guard let start = context.timestamp(sample["start"]), let end = context.timestamp(sample["end"]) else {
                return .rejected(.malformedTimestamp)
            }
            guard end >= start else { return .rejected(.invalidValue) }
            value = end.seconds(since: start) / 60
            conversion = .identity
            datedAt = start
        default:
            guard let number = sample["value"]?.numberValue else { return .rejected(.invalidValue) }
            value = conversion.apply(number)
            if type.kind == .oxygenSaturation, number <= 1 { value = number * 100 }
            if type.kind == .bodyTemperature, unit == nil, number > ingest.fahrenheitAbove {
                value = UnitConversion.fahrenheitToCelsius.apply(number)
            }
        }

        guard let timestamp = datedAt ?? context.timestamp(sample["timestamp"]) else { return .rejected(.malformedTimestamp) }
        guard !context.isFuture(timestamp) else { return .rejected(.futureTimestamp) }
        let source = sample["source"]?.stringValue
        return .reading(Reading(metric: type.metric, value: value, timestamp: timestamp, source: source, confidence: confidence(of: source)))
    }

    /// Apple Watch 1.0, iPhone 0.8, anything else 0.7 (configurable).
    private func confidence(of source: String?) -> Double {
        let ingest = context.configuration.ingest
        guard let source else { return ingest.confidenceOther }
        if Self.mentions(source, Self.appleWatch) { return ingest.confidenceAppleWatch }
        if Self.mentions(source, Self.iPhone) { return ingest.confidenceIphone }
        return ingest.confidenceOther
    }

    private static let appleWatch = Array("apple watch".utf8)
    private static let iPhone = Array("iphone".utf8)

    /// Whether `text` contains `word` (lowercase ASCII), ignoring ASCII case.
    /// It runs for every sample: `lowercased().contains` (Foundation's) and
    /// the generic `firstRange(of:)` each cost a tenth of the HealthKit path.
    private static func mentions(_ text: String, _ word: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= word.count else { return false }
            for start in 0...(bytes.count - word.count) {
                var matched = 0
                while matched < word.count, asciiLowercase(bytes[start + matched]) == word[matched] { matched += 1 }
                if matched == word.count { return true }
            }
            return false
        }
    }

    private static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
