import Foundation
import Pipeline

/// How a user appears in logs: a keyed hash, never the id itself.
/// The key comes from `BRIDGE_LOG_KEY`; without it, from a per-process
/// random key, so hashes still cannot be reversed by a dictionary attack.
public enum UserHash {
    private static let key: [UInt8] = {
        if let configured = ProcessInfo.processInfo.environment["BRIDGE_LOG_KEY"], !configured.isEmpty { return Array(configured.utf8) }
        return (0..<32).map { _ in UInt8.random(in: 0...255) }
    }()

    /// HMAC-SHA256 of the id under the deployment key, first 12 hex digits.
    public static func of(_ userID: String) -> String {
        String(HMACSHA256.hex(key: key, message: Array(userID.utf8)).prefix(12))
    }
}
