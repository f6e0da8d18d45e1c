import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Pipeline
import Synchronization

/// The HTTP side of a `SimulatedProviderCloud`: Oura's or WHOOP's paths,
/// answering from the ledger it holds.
final class ProviderCloudRoutes: Sendable {
    let provider: Provider
    let clientID: String
    let clientSecret: String
    let ledger = Mutex(ProviderCloudLedger())

    init(provider: Provider, clientID: String, clientSecret: String) {
        self.provider = provider
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    func add(to router: Router<BasicRequestContext>) {
        let oura = provider == .oura
        router.get(RouterPath(oura ? "/oauth/authorize" : "/oauth/oauth2/auth")) { [self] request, _ in self.authorize(request) }
        router.post(RouterPath(oura ? "/oauth/token" : "/oauth/oauth2/token")) { [self] request, _ in try await self.token(request) }
        if oura {
            router.post("/oauth/revoke") { [self] request, _ in
                guard let token = request.uri.queryParameters["access_token"] else { return Self.json(.badRequest, "{}") }
                ledger.withLock { _ = $0.accessTokens.removeValue(forKey: String(token)) }
                return Self.json(.ok, "{}")
            }
            router.get("/v2/usercollection/:type") { [self] request, context in
                let type = try context.parameters.require("type")
                return api(request) { user, ledger in
                    if type == "personal_info" { return (.ok, #"{"id":"\#(user)","email":"\#(user)@example.com"}"#) }
                    let query = request.uri.queryParameters
                    return list(ledger, user: user, type: type, from: query["start_date"].map(String.init), to: query["end_date"].map(String.init),
                                token: query["next_token"].map(String.init), size: SimulatedProviderCloud.pageSize, items: "data")
                }
            }
            router.get("/v2/usercollection/:type/:id") { [self] request, context in
                let (type, id) = (try context.parameters.require("type"), try context.parameters.require("id"))
                return api(request) { user, ledger in
                    guard let record = ledger.records[user]?[type]?.first(where: { $0.id == id }) else { return (.notFound, "{}") }
                    return (.ok, record.json)
                }
            }
            router.get("/v2/webhook/subscription") { [self] request, _ in
                try subscriptions(request) { ledger in
                    "[" + ledger.subscriptions.values.map(\.json).joined(separator: ",") + "]"
                }
            }
            router.post("/v2/webhook/subscription") { [self] request, _ in
                let body = try await request.body.collect(upTo: 1 << 16)
                return try subscriptions(request) { ledger in
                    let fields = (try? JSONParser.parse(Array(body.readableBytesView))) ?? .null
                    let id = ProviderCloudLedger.token()
                    let json = Self.subscription(id: id, fields: fields, expiration: Date().addingTimeInterval(86_400))
                    ledger.subscriptions[id] = (json, Date().addingTimeInterval(86_400))
                    return json
                }
            }
            router.put("/v2/webhook/subscription/renew/:id") { [self] request, context in
                let id = try context.parameters.require("id")
                return try subscriptions(request) { ledger in
                    guard let known = ledger.subscriptions[id], let fields = try? JSONParser.parse(Array(known.json.utf8)) else { return "{}" }
                    let expiration = Date().addingTimeInterval(7 * 86_400)
                    let json = Self.subscription(id: id, fields: fields, expiration: expiration)
                    ledger.subscriptions[id] = (json, expiration)
                    return json
                }
            }
        } else {
            router.delete("/developer/v2/user/access") { [self] request, _ in
                api(request) { user, ledger in
                    ledger.accessTokens = ledger.accessTokens.filter { $0.value.user != user }
                    return (.noContent, "")
                }
            }
            router.get("/developer/v2/user/profile/basic") { [self] request, _ in
                api(request) { user, _ in (.ok, #"{"user_id":\#(user),"email":"\#(user)@example.com","first_name":"Sim"}"#) }
            }
            router.get("/developer/v2/activity/sleep/:id") { [self] request, context in
                let id = try context.parameters.require("id")
                return api(request) { user, ledger in
                    guard let record = ledger.records[user]?["sleep"]?.first(where: { $0.id == id }) else { return (.notFound, "{}") }
                    return (.ok, record.json)
                }
            }
            router.get("/developer/v2/cycle/:id/recovery") { [self] request, context in
                let cycle = try context.parameters.require("id")
                return api(request) { _, ledger in
                    guard let recovery = ledger.recoveries[cycle], recovery.scored else { return (.notFound, "{}") }
                    return (.ok, recovery.record.json)
                }
            }
            for (path, type) in [("/developer/v2/activity/sleep", "sleep"), ("/developer/v2/recovery", "recovery")] {
                router.get(RouterPath(path)) { [self] request, _ in
                    let query = request.uri.queryParameters
                    let size = min(25, query["limit"].flatMap { Int($0) } ?? 10)
                    return api(request) { user, ledger in
                        list(ledger, user: user, type: type, from: query["start"].map(String.init), to: query["end"].map(String.init),
                             token: query["nextToken"].map(String.init), size: size, items: "records")
                    }
                }
            }
        }
    }

    // MARK: OAuth2

    /// The user "logs in" as `login` and is sent back with a code.
    private func authorize(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        guard query["client_id"].map(String.init) == clientID, let redirect = query["redirect_uri"], let state = query["state"],
              let login = query["login"] else {
            return Self.json(.badRequest, #"{"error":"invalid_request"}"#)
        }
        let code = ProviderCloudLedger.token()
        ledger.withLock { $0.codes[code] = (String(login), String(redirect)) }
        let location = "\(redirect)?code=\(code)&state=\(state)"
        return Response(status: .found, headers: [.location: location])
    }

    private func token(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 16)
        let form = Self.form(String(buffer: body))
        guard form["client_id"] == clientID, form["client_secret"] == clientSecret else {
            return Self.json(.unauthorized, #"{"error":"invalid_client"}"#)
        }
        let issued: (access: String, refresh: String, expiresIn: Int)? = ledger.withLock { ledger in
            switch form["grant_type"] {
            case "authorization_code":
                // A code is single use, and only for the redirect URI it was issued to.
                guard let code = form["code"], let grant = ledger.codes.removeValue(forKey: code), grant.redirectURI == form["redirect_uri"] else {
                    return nil
                }
                ledger.codeExchanges += 1
                return ledger.issueTokens(for: grant.user)
            case "refresh_token":
                return form["refresh_token"].flatMap { ledger.refresh($0) }
            default:
                return nil
            }
        }
        guard let issued else { return Self.json(.badRequest, #"{"error":"invalid_grant"}"#) }
        return Self.json(.ok, #"{"access_token":"\#(issued.access)","refresh_token":"\#(issued.refresh)","expires_in":\#(issued.expiresIn),"token_type":"bearer"}"#)
    }

    // MARK: The API

    /// A call with a bearer token: 429 while limited, 401 for an unknown or
    /// expired token, else `answer` for the token's user.
    private func api(_ request: Request, _ answer: (String, inout ProviderCloudLedger) -> (HTTPResponse.Status, String)) -> Response {
        let token = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let path = request.uri.path
        return ledger.withLock { ledger in
            let (status, body, retryAfter): (HTTPResponse.Status, String, Int?)
            if ledger.limitedRequests > 0 {
                ledger.limitedRequests -= 1
                (status, body, retryAfter) = (.tooManyRequests, #"{"error":"rate_limited"}"#, ledger.retryAfter)
            } else if let user = token.flatMap(ledger.user(ofAccessToken:)) {
                (status, body) = answer(user, &ledger)
                retryAfter = nil
            } else {
                (status, body, retryAfter) = (.unauthorized, #"{"error":"invalid_token"}"#, nil)
            }
            ledger.apiRequests.append((path, .now, status.code))
            var response = Self.json(status, body)
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        }
    }

    private func subscriptions(_ request: Request, _ answer: (inout ProviderCloudLedger) -> String) throws -> Response {
        guard request.headers[HTTPField.Name("x-client-id")!] == clientID, request.headers[HTTPField.Name("x-client-secret")!] == clientSecret else {
            return Self.json(.unauthorized, "{}")
        }
        return Self.json(.ok, ledger.withLock { answer(&$0) })
    }

    private func list(_ ledger: ProviderCloudLedger, user: String, type: String, from: String?, to: String?, token: String?, size: Int,
                      items: String) -> (HTTPResponse.Status, String) {
        let page = ledger.page(user: user, type: type, from: from, to: to, offset: token.flatMap { Int($0) } ?? 0, size: size)
        let next = page.next.map { #""\#($0)""# } ?? "null"
        return (.ok, #"{"\#(items)":[\#(page.records.map(\.json).joined(separator: ","))],"next_token":\#(next)}"#)
    }

    private static func subscription(id: String, fields: JSONValue, expiration: Date) -> String {
        let text = { (key: String) in fields[key]?.stringValue ?? "" }
        return #"{"id":"\#(id)","callback_url":"\#(text("callback_url"))","event_type":"\#(text("event_type"))","data_type":"\#(text("data_type"))","expiration_time":"\#(Timestamp(milliseconds: Int64(expiration.timeIntervalSince1970 * 1000)))"}"#
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    private static func form(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}
