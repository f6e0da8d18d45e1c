/// One NDJSON line of a `replay` file: `{"provider", "user_id",
/// "received_at", "delivery_id"?, "data_type"?, "body"}`. The body's bytes are
/// the exact text of its value in the line, so its hash matches the
/// processor's hash of the record value.
public enum EnvelopeLine {
    public struct Malformed: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func decode(_ line: [UInt8]) throws(Malformed) -> Envelope {
        let parsed: (value: JSONValue, spans: [String: Range<Int>])
        do {
            parsed = try JSONParser.parseWithSpans(line)
        } catch {
            throw Malformed(description: "\(error)")
        }
        let object = parsed.value
        guard object.isObject else { throw Malformed(description: "an envelope is a JSON object") }
        guard let name = object["provider"]?.stringValue else { throw Malformed(description: "provider is missing or not a string") }
        guard let provider = Provider(rawValue: name) else { throw Malformed(description: "unknown provider '\(name)'") }
        guard let userID = object["user_id"]?.stringValue, !userID.isEmpty else {
            throw Malformed(description: "user_id is missing or not a non-empty string")
        }
        guard let receivedText = object["received_at"]?.stringValue, let receivedAt = TimestampParser.parseInstant(receivedText) else {
            throw Malformed(description: "received_at is not a timestamp string")
        }
        guard object["body"] != nil, let span = parsed.spans["body"] else { throw Malformed(description: "body is missing") }
        let deliveryID = try optionalString(object, "delivery_id")
        let dataType = try optionalString(object, "data_type")
        return Envelope(
            provider: provider, userID: userID, receivedAt: receivedAt, deliveryID: deliveryID, dataType: dataType,
            body: Array(line[span]))
    }

    private static func optionalString(_ object: JSONValue, _ key: String) throws(Malformed) -> String? {
        guard let value = object[key] else { return nil }
        guard let text = value.stringValue else { throw Malformed(description: "\(key) must be a string") }
        return text
    }
}
