/// Oura and WHOOP records as their APIs return them. A body with
/// `object_id` (Oura) or `trace_id` (WHOOP) is a notification instead, to be
/// fetched. Every reading is dated at the record's time; an absent or `null`
/// field is skipped, a non-number rejected under the field's name.
public struct ProviderRecordNormalizer {
    let context: NormalizationContext

    public static func isNotification(_ body: JSONValue, provider: Provider) -> Bool {
        switch provider {
        case .oura: body["object_id"] != nil
        case .whoop: body["trace_id"] != nil
        default: false
        }
    }

    func parse(_ body: JSONValue, provider: Provider, dataType: String?) -> Result<([NormalizedRecord.Candidate], [Rejection]), Normalizer.Failure> {
        guard let layout = ProviderRecordLayout.layout(for: provider, dataType: dataType, record: body) else {
            return .failure(.init(.unsupportedType, "\(provider.rawValue) has no data type '\(dataType ?? "")'"))
        }
        let recordTime: Timestamp?
        switch layout.time {
        case .instant(let field): recordTime = context.timestamp(body[field])
        case .day(let field): recordTime = body[field]?.stringValue.flatMap(TimestampParser.parseDay)
        }
        guard let recordTime else { return .failure(.init(.malformedTimestamp, "the record time is missing or malformed")) }
        guard !context.isFuture(recordTime) else { return .failure(.init(.futureTimestamp, "the record time is in the future")) }

        let confidence = context.configuration.ingest.confidenceOther
        var candidates: [NormalizedRecord.Candidate] = []
        var rejections: [Rejection] = []
        for field in layout.fields {
            guard let value = Self.value(at: field.path, in: body) else { continue }
            guard let number = value.numberValue else {
                rejections.append(Rejection(index: field.path, reason: .invalidValue))
                continue
            }
            let reading = Reading(
                metric: field.metric, value: field.conversion.apply(number), timestamp: recordTime,
                source: provider.rawValue, confidence: confidence)
            candidates.append(.init(index: field.path, reading: reading))
        }
        return .success((candidates, rejections))
    }

    private static func value(at path: String, in record: JSONValue) -> JSONValue? {
        var current: JSONValue? = record
        for component in path.split(separator: ".") {
            current = current?[String(component)]
        }
        return current
    }
}
