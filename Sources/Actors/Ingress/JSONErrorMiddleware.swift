import HTTPTypes
import Hummingbird

/// Every error body is JSON `{ "error": code, "message": text }` — also the
/// router's own (no such route, wrong method), not only the ingress's.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let code = switch error.status {
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            default: "http_\(error.status.code)"
            }
            return JSONResponse.make(error.status, ["error": code, "message": error.body ?? error.status.reasonPhrase], headers: error.headers)
        }
    }
}
