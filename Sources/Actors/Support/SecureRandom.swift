import COpenSSL

/// Bytes from OpenSSL's CSPRNG, for nonces, secrets and key ids.
public enum SecureRandom {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String { "the system has no randomness to give" }
    }

    public static func bytes(_ count: Int) throws(Unavailable) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw Unavailable() }
        return bytes
    }
}
