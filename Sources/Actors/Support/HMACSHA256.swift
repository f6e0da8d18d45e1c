import COpenSSL

/// HMAC-SHA256 through OpenSSL's one-shot `HMAC`.
public enum HMACSHA256 {
    public static func bytes(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &digest, &length)
        return digest
    }

    public static func hex(key: [UInt8], message: [UInt8]) -> String {
        bytes(key: key, message: message).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }
}
