import Foundation

/// Standard Webhooks secrets travel as `whsec_<base64>`; the HMAC key is the
/// decoded bytes.
public enum StandardWebhookSecret {
    static let prefix = "whsec_"

    public static func decode(_ text: String) -> [UInt8]? {
        guard text.hasPrefix(prefix), let key = Data(base64Encoded: String(text.dropFirst(prefix.count))), !key.isEmpty else { return nil }
        return Array(key)
    }

    public static func encode(_ key: [UInt8]) -> String {
        prefix + Data(key).base64EncodedString()
    }
}
