/// Why a request's signature was not accepted; every case is answered 401
/// with `code` as the error.
public struct SignatureFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: String
    public let description: String

    static func missing(_ header: String) -> SignatureFailure {
        SignatureFailure(code: "missing_signature", description: "the \(header) header is missing")
    }

    static func malformed(_ header: String, _ why: String) -> SignatureFailure {
        SignatureFailure(code: "malformed_signature", description: "the \(header) header \(why)")
    }

    static let mismatch = SignatureFailure(code: "invalid_signature", description: "no configured secret produces this signature")

    static func staleTimestamp(_ seconds: Int64, tolerance: Int64) -> SignatureFailure {
        SignatureFailure(code: "stale_timestamp", description: "the signature timestamp is \(seconds) s away from now (tolerance \(tolerance) s)")
    }
}
