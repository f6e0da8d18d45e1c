import HTTPTypes
import Hummingbird

/// Every error body is JSON `{ "error": code, "message": text }` — also the
/// router's own, not only the ingress's. The router answers a known path
/// asked with a method it does not serve as "not found"; that becomes 405
/// with `Allow`, so a client learns what it did wrong.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The methods a path is served with; empty for an unknown path.
    let allowedMethods: @Sendable (String) -> [HTTPRequest.Method]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let allowed = error.status == .notFound ? allowedMethods(request.uri.path) : []
            if !allowed.isEmpty, !allowed.contains(request.method) {
                let names = allowed.map(\.rawValue).joined(separator: ", ")
                return JSONResponse.make(.methodNotAllowed, ["error": "method_not_allowed", "message": "\(request.uri.path) is served with \(names)"],
                                         headers: [.allow: names])
            }
            let code = switch error.status {
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            default: "http_\(error.status.code)"
            }
            return JSONResponse.make(error.status, ["error": code, "message": error.body ?? error.status.reasonPhrase], headers: error.headers)
        }
    }
}
