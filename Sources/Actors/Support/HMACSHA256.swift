import COpenSSL
import Pipeline

/// HMAC-SHA256 through OpenSSL's one-shot `HMAC`.
public enum HMACSHA256 {
    public static func bytes(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &digest, &length)
        return digest
    }

    public static func hex(key: [UInt8], message: [UInt8]) -> String {
        Hex.encode(bytes(key: key, message: message))
    }
}
