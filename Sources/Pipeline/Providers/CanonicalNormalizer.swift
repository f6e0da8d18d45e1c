/// Already-normalised events from another system:
/// `{"event_id", "user_id", "device_type", "timestamp", "readings": [{"metric",
/// "value", "timestamp"?, "confidence"?}]}`. Checks per reading: metric,
/// value, timestamp, future, confidence (range comes last, in validation).
struct CanonicalNormalizer {
    let context: NormalizationContext

    struct Parsed {
        var eventID: String?
        var deviceType: String?
        var timestamp: Timestamp
        var candidates: [NormalizedRecord.Candidate]
        var rejections: [Rejection]
    }

    func parse(_ body: JSONValue) -> Result<Parsed, Normalizer.Failure> {
        guard body.isObject else { return .failure(.init(.malformedBody, "a canonical body is an object")) }
        guard let readings = body["readings"]?.arrayValue else { return .failure(.init(.malformedBody, "the event has no readings array")) }
        guard let eventTime = context.timestamp(body["timestamp"]) else {
            return .failure(.init(.malformedTimestamp, "the event timestamp is missing or malformed"))
        }
        guard !context.isFuture(eventTime) else { return .failure(.init(.futureTimestamp, "the event timestamp is in the future")) }

        var parsed = Parsed(
            eventID: body["event_id"]?.identifierText, deviceType: body["device_type"]?.stringValue,
            timestamp: eventTime, candidates: [], rejections: [])
        parsed.candidates.reserveCapacity(readings.count)
        for (position, element) in readings.enumerated() {
            switch reading(element, eventTime: eventTime) {
            case .reading(let reading): parsed.candidates.append(.init(index: String(position), reading: reading))
            case .rejected(let reason): parsed.rejections.append(Rejection(index: String(position), reason: reason))
            }
        }
        return .success(parsed)
    }

    private func reading(_ element: JSONValue, eventTime: Timestamp) -> SampleOutcome {
        guard element.isObject, let name = element["metric"]?.stringValue, let metric = Metric(name: name) else {
            return .rejected(.unknownMetric)
        }
        guard let value = element["value"]?.numberValue else { return .rejected(.invalidValue) }
        if metric == .sleepState, value != value.rounded() { return .rejected(.invalidValue) }
        var timestamp = eventTime
        if let given = element["timestamp"] {
            guard let parsed = context.timestamp(given) else { return .rejected(.malformedTimestamp) }
            timestamp = parsed
        }
        guard !context.isFuture(timestamp) else { return .rejected(.futureTimestamp) }
        var confidence = context.configuration.ingest.canonicalConfidence
        if let given = element["confidence"] {
            guard let number = given.numberValue, (0...1).contains(number) else { return .rejected(.invalidConfidence) }
            confidence = number
        }
        return .reading(Reading(metric: metric, value: value, timestamp: timestamp, source: element["source"]?.stringValue, confidence: confidence))
    }
}
