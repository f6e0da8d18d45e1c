import COpenSSL
import Foundation
import Pipeline

/// The three signature schemes providers use, each an HMAC-SHA256 over the raw
/// body bytes plus a signed timestamp. Every comparison is constant-time and
/// every configured secret is tried, so secrets can rotate.
public struct WebhookSignature: Sendable {
    /// How far a signed timestamp may be from now, either way.
    public var tolerance: Int64 = 300

    public init(tolerance: Int64 = 300) {
        self.tolerance = tolerance
    }

    /// Oura: `x-oura-signature` = hex HMAC over `timestamp + body`, `x-oura-timestamp`.
    public func verifyOura(signature: String?, timestamp: String?, body: [UInt8], secrets: [[UInt8]], now: Timestamp) throws(SignatureFailure) {
        guard let signature, !signature.isEmpty else { throw .missing("x-oura-signature") }
        let timestampText = try checkedTimestamp(timestamp, header: "x-oura-timestamp", now: now)
        guard let expected = Hex.decode(signature), expected.count == 32 else {
            throw .malformed("x-oura-signature", "is not 64 hex digits")
        }
        try Self.requireMatch(expected, secrets: secrets, timestamp: timestampText, body: body)
    }

    /// WHOOP: `X-WHOOP-Signature` = base64 HMAC over `timestamp + body`, `X-WHOOP-Signature-Timestamp` in ms.
    public func verifyWhoop(signature: String?, timestamp: String?, body: [UInt8], secrets: [[UInt8]], now: Timestamp) throws(SignatureFailure) {
        guard let signature, !signature.isEmpty else { throw .missing("x-whoop-signature") }
        let timestampText = try checkedTimestamp(timestamp, header: "x-whoop-signature-timestamp", now: now)
        guard let expected = Data(base64Encoded: signature), expected.count == 32 else {
            throw .malformed("x-whoop-signature", "is not a base64 HMAC-SHA256")
        }
        try Self.requireMatch(Array(expected), secrets: secrets, timestamp: timestampText, body: body)
    }

    /// Standard Webhooks: `webhook-signature` = space-separated `v1,<base64>`
    /// over `id.timestamp.body`; any listed signature may match any secret.
    public func verifyStandard(
        id: String?, timestamp: String?, signature: String?, body: [UInt8], secrets: [[UInt8]], now: Timestamp
    ) throws(SignatureFailure) {
        try standardHeaders(id: id, timestamp: timestamp, signature: signature, now: now).verify(body: body, secrets: secrets)
    }

    /// The Standard Webhooks headers, present, well formed and in time —
    /// checked before anything is looked up for the request.
    public func standardHeaders(id: String?, timestamp: String?, signature: String?, now: Timestamp) throws(SignatureFailure) -> StandardHeaders {
        guard let id, !id.isEmpty else { throw .missing("webhook-id") }
        guard let signature, !signature.isEmpty else { throw .missing("webhook-signature") }
        let timestampText = try checkedTimestamp(timestamp, header: "webhook-timestamp", now: now)
        let candidates = signature.split(separator: " ").compactMap { entry -> [UInt8]? in
            guard entry.hasPrefix("v1,"), let bytes = Data(base64Encoded: String(entry.dropFirst(3))), bytes.count == 32 else { return nil }
            return Array(bytes)
        }
        guard !candidates.isEmpty else { throw .malformed("webhook-signature", "holds no v1,<base64> signature") }
        return StandardHeaders(id: id, timestamp: timestampText, candidates: candidates)
    }

    /// Checked Standard Webhooks headers, waiting for the secrets to verify against.
    public struct StandardHeaders: Sendable {
        let id: String
        let timestamp: String
        let candidates: [[UInt8]]

        public func verify(body: [UInt8], secrets: [[UInt8]]) throws(SignatureFailure) {
            for secret in secrets {
                let actual = WebhookSignature.standardMAC(id: id, timestamp: timestamp, body: body, secret: secret)
                if candidates.contains(where: { ConstantTime.equal($0, actual) }) { return }
            }
            throw .mismatch
        }
    }

    /// The Standard Webhooks MAC: HMAC-SHA256 over `id.timestamp.body`.
    public static func standardMAC(id: String, timestamp: String, body: [UInt8], secret: [UInt8]) -> [UInt8] {
        HMACSHA256.bytes(key: secret, message: Array("\(id).\(timestamp).".utf8) + body)
    }

    /// The Oura and WHOOP MAC: HMAC-SHA256 over `timestamp + body`, no separator.
    public static func timestampedMAC(timestamp: String, body: [UInt8], secret: [UInt8]) -> [UInt8] {
        HMACSHA256.bytes(key: secret, message: Array(timestamp.utf8) + body)
    }

    /// The `webhook-signature` header a sender puts on a request.
    public static func standardHeader(id: String, timestamp: String, body: [UInt8], secret: [UInt8]) -> String {
        "v1," + Data(standardMAC(id: id, timestamp: timestamp, body: body, secret: secret)).base64EncodedString()
    }

    /// Unix seconds, or milliseconds when above 10^11; within ±tolerance of now.
    private func checkedTimestamp(_ text: String?, header: String, now: Timestamp) throws(SignatureFailure) -> String {
        guard let text, !text.isEmpty else { throw .missing(header) }
        guard let value = Int64(text), value >= 0 else { throw .malformed(header, "is not a Unix time") }
        let seconds = value > 100_000_000_000 ? value / 1000 : value
        let skew = seconds - now.millisecondsSinceEpoch / 1000
        guard abs(skew) <= tolerance else { throw .staleTimestamp(skew, tolerance: tolerance) }
        return text
    }

    private static func requireMatch(_ expected: [UInt8], secrets: [[UInt8]], timestamp: String, body: [UInt8]) throws(SignatureFailure) {
        for secret in secrets where ConstantTime.equal(expected, timestampedMAC(timestamp: timestamp, body: body, secret: secret)) { return }
        throw .mismatch
    }
}
