import HTTPTypes
import Hummingbird

/// An answer other than success, as JSON `{ "error": code, "message": text }`.
public struct IngressError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var retryAfterSeconds: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var headers: HTTPFields {
        var fields = HTTPFields()
        if let retryAfterSeconds { fields[.retryAfter] = String(retryAfterSeconds) }
        return fields
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(status, ["error": code, "message": message], headers: headers)
    }

    static func malformed(_ code: String, _ message: String) -> IngressError { IngressError(.badRequest, code, message) }

    /// PostgreSQL did not answer a lookup or a write of accounts: the sender retries.
    static let accountsUnavailable = IngressError(
        .serviceUnavailable, "accounts_unavailable", "the account directory is unreachable; retry later", retryAfterSeconds: 5)

    static func unauthorized(_ failure: SignatureFailure) -> IngressError {
        IngressError(.unauthorized, failure.code, failure.description)
    }
}
