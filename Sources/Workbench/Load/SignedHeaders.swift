import Actors
import Foundation
import Pipeline

/// The headers a sender puts on a signed webhook request — what a provider or
/// the iOS app does — for the benchmark, the demo and the tests.
public enum SignedHeaders {
    public static var nowSeconds: String { String(Timestamp.now.millisecondsSinceEpoch / 1000) }

    public static var nowMilliseconds: String { String(Timestamp.now.millisecondsSinceEpoch) }

    /// Standard Webhooks (generic providers, HealthKit device keys).
    public static func standard(id: String, body: [UInt8], secret: [UInt8], timestamp: String = nowSeconds) -> [(String, String)] {
        [("content-type", "application/json"), ("webhook-id", id), ("webhook-timestamp", timestamp),
         ("webhook-signature", WebhookSignature.standardHeader(id: id, timestamp: timestamp, body: body, secret: secret))]
    }

    /// Oura: hex MAC, Unix seconds.
    public static func oura(body: [UInt8], secret: [UInt8], timestamp: String = nowSeconds) -> [(String, String)] {
        [("content-type", "application/json"),
         ("x-oura-signature", Hex.encode(WebhookSignature.timestampedMAC(timestamp: timestamp, body: body, secret: secret))),
         ("x-oura-timestamp", timestamp)]
    }

    /// WHOOP: base64 MAC, Unix milliseconds.
    public static func whoop(body: [UInt8], secret: [UInt8], timestamp: String = nowMilliseconds) -> [(String, String)] {
        [("content-type", "application/json"),
         ("x-whoop-signature", Data(WebhookSignature.timestampedMAC(timestamp: timestamp, body: body, secret: secret)).base64EncodedString()),
         ("x-whoop-signature-timestamp", timestamp)]
    }
}
