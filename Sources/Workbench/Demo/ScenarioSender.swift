import Actors
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Pipeline

/// The demo's users and their providers as the bridge sees them from
/// outside: each user connects Oura or WHOOP through the real connect flow,
/// then every delivery is signed as its device or provider would sign it, at
/// sending time; a provider first stores the record its notification names.
struct ScenarioSender: Sendable {
    let deviceKeys: [[UInt8]]
    let oura: SimulatedProviderCloud
    let whoop: SimulatedProviderCloud

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `POST /connect/{provider}` signed with the device key, consent at the
    /// provider, the provider's redirect to the callback. Returns the
    /// connections made.
    func connectUsers(bridge: String, progress: DemoProgress) async throws -> Int {
        var connected = 0
        for user in deviceKeys.indices {
            let (cloud, login) = DemoScenario.wearsOura(user) ? (oura, DemoScenario.ouraID(user)) : (whoop, String(DemoScenario.whoopID(user)))
            let body = Array(#"{"user_id":"\#(DemoScenario.userID(user))"}"#.utf8)
            let id = "connect-\(cloud.provider.rawValue)-\(user)"
            let answer = try await Self.http(.POST, bridge + "/connect/\(cloud.provider.rawValue)",
                                             headers: SignedHeaders.standard(id: id, body: body, secret: deviceKeys[user]), body: body)
            guard answer.status == 200, let authorize = (try? JSONParser.parse(answer.body))?["authorize_url"]?.stringValue else {
                throw Failure(description: "POST /connect/\(cloud.provider.rawValue) answered \(answer.status)")
            }
            let callback = try await cloud.consent(to: authorize, as: login)
            let page = try await Self.http(.GET, callback)
            guard page.status == 200 else { throw Failure(description: "the \(cloud.provider.rawValue) callback answered \(page.status)") }
            connected += 1
            progress.update(fraction: Double(user + 1) / Double(deviceKeys.count), counts: "\(connected) connections")
        }
        progress.finish()
        return connected
    }

    private static func http(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8] = []) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), Array(try await response.body.collect(upTo: 1 << 20).readableBytesView))
    }

    /// The HTTP request of one delivery.
    func request(_ delivery: DemoScenario.Delivery, id: String) -> [UInt8] {
        let whoopUser = String(DemoScenario.whoopID(delivery.user))
        switch delivery.record {
        case .whoopSleep(let id, let json):
            whoop.addWhoopSleep(user: whoopUser, id: id, end: delivery.time.description, json: json)
        case .whoopRecovery(let sleepID, let cycleID, let json):
            whoop.addWhoopRecovery(user: whoopUser, cycleID: cycleID, sleepID: sleepID, createdAt: delivery.time.description, json: json, scored: true)
        case .ouraReadiness(let id, let day, let json):
            oura.addOuraRecord(user: DemoScenario.ouraID(delivery.user), type: "daily_readiness", id: id, day: day, json: json)
        case nil:
            break
        }
        switch delivery.route {
        case .healthKit:
            return HTTPConnection.request(method: "POST", path: "/healthkit/batch",
                                          headers: SignedHeaders.standard(id: id, body: delivery.body, secret: deviceKeys[delivery.user]),
                                          body: delivery.body)
        case .whoop:
            return HTTPConnection.request(method: "POST", path: "/webhooks/whoop",
                                          headers: SignedHeaders.whoop(body: delivery.body, secret: Array(whoop.clientSecret.utf8)), body: delivery.body)
        case .oura:
            return HTTPConnection.request(method: "POST", path: "/webhooks/oura",
                                          headers: SignedHeaders.oura(body: delivery.body, secret: Array(oura.clientSecret.utf8)), body: delivery.body)
        }
    }
}
