import Actors
import Foundation
import Pipeline
import Testing
import Workbench

/// A user connects Oura and WHOOP from the app: `POST /connect`, the
/// provider's consent, the callback, and a backfilled week.
@Suite(.serialized)
struct ConnectFlowTests {
    @Test func connectingBackfillsTheLastWeekAndStateIsSingleUse() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                let accounts = AccountStore(client: fixture.client, cipher: try StateCipher.fromEnvironment([:], allowingDevelopmentKey: true, logger: ProviderClouds.logger),
                                            logger: ProviderClouds.logger)
                let device = try #require(StandardWebhookSecret.decode(try await accounts.createDeviceKey(for: "user-new").secret))
                let now = Timestamp.now
                for daysAgo in [0, 1, 2, 3, 4, 5, 6, 8, 9] {
                    let time = now.adding(seconds: -Double(daysAgo) * 86_400 - 3_600)
                    let day = String(time.description.prefix(10))
                    clouds.oura.addOuraRecord(user: "oura-new", type: "daily_readiness", id: "dr-\(daysAgo)", day: day,
                                              json: ProviderClouds.ouraReadiness(id: "dr-\(daysAgo)", day: day, score: 75))
                    clouds.whoop.addWhoopSleep(user: "777", id: "ws-\(daysAgo)", end: time.description,
                                               json: ProviderClouds.whoopSleep(id: "ws-\(daysAgo)", cycle: 100 + daysAgo, end: time))
                    clouds.whoop.addWhoopRecovery(user: "777", cycleID: 100 + daysAgo, sleepID: "ws-\(daysAgo)", createdAt: time.description,
                                                  json: ProviderClouds.whoopRecovery(cycle: 100 + daysAgo, sleep: "ws-\(daysAgo)", createdAt: time, score: 70),
                                                  scored: true)
                }
                let bridge = try fixture.start(role: "all", environment: clouds.environment)
                try await eventually("the bridge is ready", timeout: .seconds(60)) { (try? bridge.readiness().status) == 200 }
                let port = try #require(bridge.httpPort)

                for (cloud, login) in [(clouds.oura, "oura-new"), (clouds.whoop, "777")] {
                    let body = Array(#"{"user_id":"user-new"}"#.utf8)
                    let unsigned = try HTTPConnection(port: port).send(method: "POST", path: "/connect/\(cloud.provider.rawValue)",
                                                                      headers: [("content-type", "application/json")], body: body)
                    #expect(unsigned.status == 401, "only the user's device may connect them")
                    let answer = try HTTPConnection(port: port).send(
                        method: "POST", path: "/connect/\(cloud.provider.rawValue)",
                        headers: SignedHeaders.standard(id: "connect-\(login)", body: body, secret: device), body: body)
                    #expect(answer.status == 200, "\(answer.text)")
                    let authorize = try #require((try? JSONParser.parse(answer.body))?["authorize_url"]?.stringValue)
                    #expect(authorize.hasPrefix(cloud.url))
                    #expect(authorize.contains("client_id=\(cloud.clientID)") && authorize.contains("state="))
                    #expect(authorize.contains("redirect_uri=http%3A%2F%2Flocalhost%2Foauth%2F\(cloud.provider.rawValue)%2Fcallback"))

                    // The user consents at the provider, which sends them back with a code.
                    let consent = try HTTPConnection(port: cloud.port).send(method: "GET", path: String(authorize.dropFirst(cloud.url.count)) + "&login=\(login)")
                    #expect(consent.status == 302)
                    let location = try #require(consent.headers["location"])
                    let callback = String(location.dropFirst("http://localhost".count))
                    let page = try HTTPConnection(port: port).send(method: "GET", path: callback)
                    #expect(page.status == 200, "\(page.text)")
                    #expect(page.text.contains("is connected"))
                    let again = try HTTPConnection(port: port).send(method: "GET", path: callback)
                    #expect(again.status == 400, "a state works once")
                    #expect(again.text.contains("expired"))
                }
                #expect(clouds.oura.codeExchanges == 1 && clouds.whoop.codeExchanges == 1)
                let connections = try await ProviderClouds.store(fixture.client).connections(of: "user-new")
                #expect(connections.map { "\($0.provider):\($0.providerUserID):\($0.status)" } == ["oura:oura-new:active", "whoop:777:active"])

                // Seven days of readiness, sleeps and recoveries; older days are not asked for.
                var ids = Set<String>()
                try await eventually("the backfilled week", timeout: .seconds(60)) {
                    ids = Set(try await fixture.records(of: "biometric-events").compactMap { $0.headerText("delivery-id") })
                    return ids.count >= 21
                }
                let backfilled = Set(ids.map { $0.split(separator: ":").prefix(3).joined(separator: ":") })
                #expect(backfilled == Set((0..<7).flatMap { ["oura:daily_readiness:dr-\($0)", "whoop:sleep:ws-\($0)", "whoop:recovery:ws-\($0)"] }))
                #expect(ids.allSatisfy { $0.split(separator: ":").last?.hasPrefix("backfill-") == true })
                #expect(await bridge.terminate().status == 0)
            }
        }
    }

    /// A state is refused once its ten minutes are over, and for another provider.
    @Test func anExpiredOrForeignStateFindsNobody() async throws {
        try await TestDatabase.withMigratedDatabase { _, client in
            let store = try ProviderClouds.store(client)
            let state = try await store.createState(provider: .oura, userID: "user-late", ttl: .seconds(600))
            #expect(try await store.consumeState(state, provider: .whoop) == nil, "another provider's flow")
            let expired = try await store.createState(provider: .oura, userID: "user-late", ttl: .seconds(600))
            try await client.query("UPDATE oauth_states SET expires_at = now() - interval '1 second'")
            #expect(try await store.consumeState(expired, provider: .oura) == nil)
            let fresh = try await store.createState(provider: .oura, userID: "user-late", ttl: .seconds(600))
            #expect(try await store.consumeState(fresh, provider: .oura) == "user-late")
            #expect(try await store.consumeState(fresh, provider: .oura) == nil)
        }
    }
}

/// The Oura subscriptions an operator creates and the fetcher keeps alive.
struct OuraSubscriptionTests {
    @Test func subscribeListsAndTheFetcherRenews() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                let environment = clouds.environment.merging(["OURA_VERIFICATION_TOKEN": "verify-me", "PATH": "/usr/bin:/bin"]) { first, _ in first }
                let subscribe = try await BridgeCommand.run(["providers", "oura", "subscribe", "--callback-url", "https://bridge.example/webhooks/oura"],
                                                            environment: environment)
                #expect(subscribe.status == 0, "\(subscribe.errors)")
                #expect(subscribe.output.contains("created 9 subscriptions"))
                #expect(clouds.oura.subscriptionCount == 9)
                let again = try await BridgeCommand.run(["providers", "oura", "subscribe", "--callback-url", "https://bridge.example/webhooks/oura"],
                                                        environment: environment)
                #expect(again.output.contains("every subscription exists already"))

                let before = try await BridgeCommand.run(["providers", "oura", "subscriptions"], environment: environment)
                let lines = before.output.split(separator: "\n")
                #expect(lines.count == 9 && lines.allSatisfy { $0.contains("expires ") })
                #expect(lines.contains { $0.contains("\tdelete\tdaily_readiness\t") })

                // They lapse within two days; a starting fetcher renews them.
                let fetcher = try fixture.start(role: "fetcher", environment: clouds.environment)
                try await eventually("every subscription renewed", timeout: .seconds(60)) {
                    let listed = try await BridgeCommand.run(["providers", "oura", "subscriptions"], environment: environment).output
                    let expirations = listed.split(separator: "\n").compactMap { $0.split(separator: "expires ").last.flatMap { TimestampParser.parse(String($0)) } }
                    return expirations.count == 9 && expirations.allSatisfy { $0.seconds(since: .now) > 6 * 86_400 }
                }
                #expect(await fetcher.terminate().status == 0)
            }
        }
    }
}
