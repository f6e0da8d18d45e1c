import COpenSSL

/// SHA-256 through OpenSSL's libcrypto.
public enum SHA256Digest {
    public static func bytes(of data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        data.withUnsafeBytes { input in
            _ = EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha256(), nil)
        }
        return digest
    }

    public static func hex(of data: [UInt8]) -> String {
        Hex.encode(bytes(of: data))
    }
}
