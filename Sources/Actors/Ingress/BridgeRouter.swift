import HTTPTypes
import Hummingbird

/// Every HTTP route of the bridge, top to bottom: operations for every role,
/// the provider webhooks when this process runs the ingress.
public enum BridgeRouter {
    public static func make(
        ingress: WebhookIngress?, connect: ConnectFlow? = nil, agent: AgentAPI? = nil, processor: ProcessorStatistics? = nil,
        readiness: Readiness, metrics: BridgeMetrics
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware { path in allowedMethods(path, ingress: ingress != nil) })

        router.get("/health") { _, _ in JSONResponse.make(.ok, ["status": "ok"]) }
        router.get("/ready") { _, _ -> Response in
            let failing = await readiness.failing()
            guard failing.isEmpty else {
                return JSONResponse.make(.serviceUnavailable, ["status": "not_ready", "failing": failing.joined(separator: ",")])
            }
            return JSONResponse.make(.ok, ["status": "ready"])
        }
        router.get("/metrics") { _, _ in
            if let processor { metrics.observe(processor: processor.snapshot, gauges: processor.gauges) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.text())))
        }

        guard let ingress else { return router }
        router.get("/webhooks/oura") { request, _ in try ingress.ouraChallenge(request) }
        router.post("/webhooks/oura") { request, _ in try await ingress.oura(request) }
        router.post("/webhooks/whoop") { request, _ in try await ingress.whoop(request) }
        router.post("/webhooks/:provider") { request, context in
            try await ingress.standard(request, provider: try context.parameters.require("provider").lowercased())
        }
        router.post("/healthkit/batch") { request, _ in try await ingress.healthKit(request) }
        if let agent {
            router.get("/v1/users/:user_id/mode") { request, context in
                try await agent.mode(request, user: try context.parameters.require("user_id"))
            }
            router.get("/v1/users/:user_id/transitions") { request, context in
                try await agent.transitions(request, user: try context.parameters.require("user_id"))
            }
        }
        guard let connect else { return router }
        router.post("/connect/:provider") { request, context in
            try await connect.connect(request, provider: try context.parameters.require("provider").lowercased())
        }
        router.get("/oauth/:provider/callback") { request, context in
            try await connect.callback(request, provider: try context.parameters.require("provider").lowercased())
        }
        return router
    }

    /// The methods each route above is served with, by path.
    static func allowedMethods(_ path: String, ingress: Bool) -> [HTTPRequest.Method] {
        switch path {
        case "/health", "/ready", "/metrics": return [.get]
        case _ where !ingress: return []
        case "/webhooks/oura": return [.get, .post]
        case "/healthkit/batch": return [.post]
        default:
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            if segments.count == 3, segments[1] == "webhooks" || segments[1] == "connect", !segments[2].isEmpty { return [.post] }
            if segments.count == 4, segments[1] == "oauth", segments[3] == "callback", !segments[2].isEmpty { return [.get] }
            if segments.count == 5, segments[1] == "v1", segments[2] == "users", !segments[3].isEmpty,
               segments[4] == "mode" || segments[4] == "transitions" { return [.get] }
            return []
        }
    }
}
