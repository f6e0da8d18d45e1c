import Actors
import Foundation
import Pipeline
import PostgresNIO
import Testing
import Workbench

/// The fetcher against simulated Oura and WHOOP clouds, in processes of its
/// own, as an operator runs it.
@Suite(.serialized)
struct FetcherEndToEndTests {
    static let today = String(Timestamp.now.description.prefix(10))

    /// From a signed webhook to a decision: Oura readiness and sleep, WHOOP
    /// sleep and recovery (fetched through the sleep's cycle) become records
    /// with the fetched headers, and the low recoveries switch both users to guardian.
    @Test func signedNotificationsBecomeFetchedRecordsAndDecisions() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                try await clouds.connect(clouds.oura, user: "user-oura", providerUser: "oura-1", client: fixture.client)
                try await clouds.connect(clouds.whoop, user: "user-whoop", providerUser: "4242", client: fixture.client)
                let now = Timestamp.now
                clouds.oura.addOuraRecord(user: "oura-1", type: "daily_readiness", id: "dr-1", day: Self.today,
                                          json: ProviderClouds.ouraReadiness(id: "dr-1", day: Self.today, score: 30))
                clouds.oura.addOuraRecord(user: "oura-1", type: "sleep", id: "sl-1", day: Self.today,
                                          json: ProviderClouds.ouraSleep(id: "sl-1", day: Self.today, end: now.adding(seconds: -3_600)))
                clouds.whoop.addWhoopSleep(user: "4242", id: "ws-1", end: now.adding(seconds: -3_600).description,
                                           json: ProviderClouds.whoopSleep(id: "ws-1", cycle: 77, end: now.adding(seconds: -3_600)))
                clouds.whoop.addWhoopRecovery(user: "4242", cycleID: 77, sleepID: "ws-1", createdAt: now.adding(seconds: -1_800).description,
                                              json: ProviderClouds.whoopRecovery(cycle: 77, sleep: "ws-1", createdAt: now.adding(seconds: -1_800), score: 20), scored: true)

                let bridge = try fixture.start(role: "all", environment: clouds.environment)
                try await eventually("the bridge is ready", timeout: .seconds(60)) { (try? bridge.readiness().status) == 200 }
                let url = "http://127.0.0.1:\(try #require(bridge.httpPort))"
                let sent = [
                    try await clouds.oura.sendWebhook(SimulatedProviderCloud.ouraNotification(user: "oura-1", type: "daily_readiness", id: "dr-1"), to: url),
                    try await clouds.oura.sendWebhook(SimulatedProviderCloud.ouraNotification(user: "oura-1", type: "sleep", id: "sl-1"), to: url),
                    try await clouds.oura.sendWebhook(SimulatedProviderCloud.ouraNotification(user: "oura-1", type: "workout", id: "wo-1"), to: url),
                    try await clouds.whoop.sendWebhook(SimulatedProviderCloud.whoopNotification(user: 4242, type: "sleep.updated", id: "ws-1"), to: url),
                    try await clouds.whoop.sendWebhook(SimulatedProviderCloud.whoopNotification(user: 4242, type: "recovery.updated", id: "ws-1"), to: url),
                ]
                #expect(sent == [202, 202, 202, 202, 202])

                var events: [KafkaConsumerRecord] = []
                try await eventually("four fetched records", timeout: .seconds(60)) {
                    events = try await fixture.records(of: "biometric-events")
                    return events.count >= 4
                }
                #expect(events.count == 4, "the workout is acknowledged, not fetched")
                let byID = Dictionary(events.map { (($0.headerText("delivery-id") ?? "").split(separator: ":").prefix(3).joined(separator: ":"), $0) }) { first, _ in first }
                for (id, user, dataType) in [("oura:daily_readiness:dr-1", "user-oura", "daily_readiness"), ("oura:sleep:sl-1", "user-oura", "sleep"),
                                             ("whoop:sleep:ws-1", "user-whoop", "sleep"), ("whoop:recovery:ws-1", "user-whoop", "recovery")] {
                    let record = try #require(byID[id], "no record \(id)")
                    #expect(record.key == Array(user.utf8))
                    #expect(record.headerText("provider") == String(id.prefix { $0 != ":" }))
                    #expect(record.headerText("data-type") == dataType)
                    #expect(record.headerText("received-at").flatMap(TimestampParser.parse) != nil)
                    #expect(record.headerText("delivery-id")?.split(separator: ":").count == 4, "<provider>:<data_type>:<record id>:<notification delivery id>")
                }
                #expect(byID["whoop:recovery:ws-1"]?.headerText("delivery-id")?.hasSuffix(":") == false)

                var switches: [JSONValue] = []
                try await eventually("both users in guardian", timeout: .seconds(60)) {
                    switches = try await fixture.records(of: "neuros-mode-switches").compactMap { try? JSONParser.parse($0.value) }
                    return Set(switches.compactMap { $0["new_mode"]?.stringValue == "guardian" ? $0["user_id"]?.stringValue : nil }) == ["user-oura", "user-whoop"]
                }
                #expect(switches.allSatisfy { $0["reason_code"]?.stringValue == "low_recovery" })
                _ = try ProcessorChecks.switchIDs(in: try await fixture.records(of: "neuros-mode-switches"))
                let fetched = try bridge.metrics()
                #expect(fetched[#"auren_fetch_notifications_total{provider="oura",outcome="fetched"}"#] == 2)
                #expect(fetched[#"auren_fetch_notifications_total{provider="oura",outcome="unused_type"}"#] == 1)
                #expect(fetched[#"auren_fetch_notifications_total{provider="whoop",outcome="fetched"}"#] == 2)
                #expect((fetched[#"auren_provider_requests_total{provider="whoop",endpoint="record",status="200"}"#] ?? 0) == 3, "sleep; sleep, then its cycle's recovery")
                #expect(await bridge.terminate().status == 0)
            }
        }
    }

    /// Two fetchers read notifications of one connection whose access token
    /// expired under them: one refresh reaches the token endpoint, no spent
    /// refresh token is ever presented, and both go on fetching.
    @Test func twoFetchersRefreshASharedConnectionOnce() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                try await clouds.connect(clouds.oura, user: "user-shared", providerUser: "oura-shared", client: fixture.client)
                for index in 0..<40 {
                    clouds.oura.addOuraRecord(user: "oura-shared", type: "daily_readiness", id: "r-\(index)", day: Self.today,
                                              json: ProviderClouds.ouraReadiness(id: "r-\(index)", day: Self.today, score: 70))
                }
                let fetchers = try (0..<2).map { _ in try fixture.start(role: "fetcher", environment: clouds.environment) }
                try await eventually("both fetchers own partitions", timeout: .seconds(60)) {
                    fetchers.allSatisfy { $0.log.contains("assigned 2 partitions") }
                }
                clouds.oura.expireAccessTokens()
                try await Self.produceNotifications(fixture, cloud: .oura, user: "user-shared", ids: (0..<40).map { "r-\($0)" }) { id in
                    SimulatedProviderCloud.ouraNotification(user: "oura-shared", type: "daily_readiness", id: id)
                }
                try await eventually("forty records fetched", timeout: .seconds(90)) {
                    try await Self.deliveryIDs(fixture).count == 40
                }
                #expect(clouds.oura.refreshRequests == 1, "one refresh, under the row lock")
                #expect(clouds.oura.spentRefreshTokensPresented == 0)
                for fetcher in fetchers {
                    let fetched = try fetcher.metrics()[#"auren_fetch_notifications_total{provider="oura",outcome="fetched"}"#] ?? 0
                    #expect(fetched > 0, "each fetcher fetched")
                    #expect(await fetcher.terminate().status == 0)
                }
                let version = try await Self.tokenVersion(fixture.client, "oura-shared")
                #expect(version == 2)
            }
        }
    }

    /// A 429 pauses that provider for the time it asked, and only that
    /// provider: WHOOP goes on while Oura waits.
    @Test func aRateLimitPausesOnlyItsProvider() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                try await clouds.connect(clouds.oura, user: "user-o", providerUser: "o-1", client: fixture.client)
                try await clouds.connect(clouds.whoop, user: "user-w", providerUser: "4242", client: fixture.client)
                clouds.oura.addOuraRecord(user: "o-1", type: "daily_readiness", id: "dr", day: Self.today,
                                          json: ProviderClouds.ouraReadiness(id: "dr", day: Self.today, score: 70))
                clouds.whoop.addWhoopSleep(user: "4242", id: "ws", end: Timestamp.now.description, json: ProviderClouds.whoopSleep(id: "ws", cycle: 5, end: .now))
                clouds.oura.limitNext(1, retryAfter: 4)
                let fetcher = try fixture.start(role: "fetcher", environment: clouds.environment)
                try await Self.produceNotifications(fixture, cloud: .oura, user: "user-o", ids: ["dr"]) { id in
                    SimulatedProviderCloud.ouraNotification(user: "o-1", type: "daily_readiness", id: id)
                }
                try await eventually("Oura answered 429", timeout: .seconds(60)) { clouds.oura.apiRequests.contains { $0.status == 429 } }
                try await Self.produceNotifications(fixture, cloud: .whoop, user: "user-w", ids: ["ws"]) { id in
                    SimulatedProviderCloud.whoopNotification(user: 4242, type: "sleep.updated", id: id)
                }
                try await eventually("both records fetched", timeout: .seconds(60)) { try await Self.deliveryIDs(fixture).count == 2 }
                let limited = try #require(clouds.oura.apiRequests.first { $0.status == 429 }).at
                let ouraFetched = try #require(clouds.oura.apiRequests.first { $0.status == 200 }).at
                let whoopFetched = try #require(clouds.whoop.apiRequests.first { $0.status == 200 }).at
                #expect(ouraFetched - limited >= .seconds(4), "Oura waited out Retry-After")
                #expect(whoopFetched < limited + .seconds(4), "WHOOP was not paused")
                #expect(fetcher.log.contains("pausing its requests for"))
                #expect(await fetcher.terminate().status == 0)
            }
        }
    }

    /// A refresh refused with invalid_grant revokes the connection and
    /// dead-letters its notification; the next one is dead-lettered
    /// without asking the token endpoint again. Once the user is connected
    /// again, `dlq redrive` brings both back, and `accounts disconnect`
    /// revokes the connection at the provider.
    @Test func invalidGrantRevokesTheConnectionUntilReconnectedAndRedriven() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                try await clouds.connect(clouds.whoop, user: "user-gone", providerUser: "4242", client: fixture.client)
                clouds.whoop.revoke(user: "4242")
                clouds.whoop.expireAccessTokens()
                let fetcher = try fixture.start(role: "fetcher", environment: clouds.environment)
                try await Self.produceNotifications(fixture, cloud: .whoop, user: "user-gone", ids: ["s-1"]) { id in
                    SimulatedProviderCloud.whoopNotification(user: 4242, type: "sleep.updated", id: id)
                }
                var letters: [KafkaConsumerRecord] = []
                try await eventually("a dead letter", timeout: .seconds(60)) {
                    letters = try await fixture.records(of: "biometric-events.dlq")
                    return !letters.isEmpty
                }
                #expect(letters.first?.headerText("stage") == "fetch")
                #expect(letters.first?.headerText("reason") == "connection_revoked")
                #expect(letters.first?.headerText("original-topic") == "provider-notifications")
                let connections = try await ProviderClouds.store(fixture.client).connections(of: "user-gone")
                #expect(connections.map(\.status) == ["revoked"])

                try await Self.produceNotifications(fixture, cloud: .whoop, user: "user-gone", ids: ["s-2"]) { id in
                    SimulatedProviderCloud.whoopNotification(user: 4242, type: "sleep.updated", id: id)
                }
                try await eventually("a second dead letter", timeout: .seconds(60)) {
                    try await fixture.records(of: "biometric-events.dlq").count == 2
                }
                #expect(clouds.whoop.refreshRequests == 1)
                #expect(try fetcher.metrics()[#"auren_token_refreshes_total{provider="whoop",result="revoked"}"#] == 1)
                #expect(try await fixture.records(of: "biometric-events").isEmpty)

                // The user connects again (imported by an operator here), and the dead letters are re-driven.
                for id in ["s-1", "s-2"] {
                    clouds.whoop.addWhoopSleep(user: "4242", id: id, end: Timestamp.now.description, json: ProviderClouds.whoopSleep(id: id, cycle: 9, end: .now))
                }
                let grant = clouds.whoop.grant(user: "4242")
                let environment = clouds.environment.merging(["DATABASE_URL": fixture.database.url, "KAFKA_BOOTSTRAP_SERVERS": fixture.bootstrapServers,
                                                             "PATH": "/usr/bin:/bin"]) { first, _ in first }
                let connect = try await BridgeCommand.run([
                    "accounts", "connect", "--insecure-development-key", "--user", "user-gone", "--provider", "whoop", "--provider-user-id", "4242",
                    "--access-token", grant.access, "--refresh-token", grant.refresh, "--expires-in", String(grant.expiresIn),
                ], environment: environment)
                #expect(connect.status == 0, "\(connect.errors)")
                let list = try await BridgeCommand.run(["accounts", "list", "--insecure-development-key", "--user", "user-gone"], environment: environment)
                #expect(list.output.contains("user-gone\twhoop\t4242\tactive, token v"), "\(list.output)")
                #expect(!list.output.contains(grant.access) && !list.output.contains(grant.refresh), "never a token")
                let redrive = try await BridgeCommand.run(["dlq", "redrive", "--stage", "fetch", "--reason", "connection_revoked"], environment: environment)
                #expect(redrive.status == 0, "\(redrive.errors)")
                #expect(redrive.output.contains("re-drove 2 to provider-notifications"), "\(redrive.output)")
                try await eventually("the re-driven notifications fetched", timeout: .seconds(60)) {
                    try await Self.deliveryIDs(fixture).count == 2
                }

                let disconnect = try await BridgeCommand.run(
                    ["accounts", "disconnect", "--insecure-development-key", "--user", "user-gone", "--provider", "whoop"], environment: environment)
                #expect(disconnect.status == 0, "\(disconnect.errors)")
                #expect(clouds.whoop.apiRequests.contains { $0.path == "/developer/v2/user/access" && $0.status == 204 }, "revoked at WHOOP")
                let after = try await BridgeCommand.run(["accounts", "list", "--insecure-development-key", "--user", "user-gone"], environment: environment)
                #expect(after.output.contains("user-gone\twhoop\t4242\trevoked"), "\(after.output)")
                #expect(await fetcher.terminate().status == 0)
            }
        }
    }

    /// A WHOOP recovery is 404 until scored: the fetcher asks again after
    /// each delay, fetches it once scored, and dead-letters one never scored.
    @Test func anUnscoredRecoveryIsAskedForAgainThenDeadLettered() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                try await clouds.connect(clouds.whoop, user: "user-w", providerUser: "4242", client: fixture.client)
                for (sleep, cycle) in [("scored-later", 1), ("never-scored", 2)] {
                    clouds.whoop.addWhoopSleep(user: "4242", id: sleep, end: Timestamp.now.description, json: ProviderClouds.whoopSleep(id: sleep, cycle: cycle, end: .now))
                    clouds.whoop.addWhoopRecovery(user: "4242", cycleID: cycle, sleepID: sleep, createdAt: Timestamp.now.description,
                                                  json: ProviderClouds.whoopRecovery(cycle: cycle, sleep: sleep, createdAt: .now, score: 50), scored: false)
                }
                let fetcher = try fixture.start(role: "fetcher", environment: clouds.environment, arguments: ["--recovery-retry-seconds", "2,2"])
                try await Self.produceNotifications(fixture, cloud: .whoop, user: "user-w", ids: ["scored-later", "never-scored"]) { id in
                    SimulatedProviderCloud.whoopNotification(user: 4242, type: "recovery.updated", id: id)
                }
                try await eventually("both recoveries asked for", timeout: .seconds(60)) {
                    Set(clouds.whoop.apiRequests.filter { $0.status == 404 }.map(\.path)).count == 2
                }
                clouds.whoop.scoreRecovery(cycleID: 1, user: "4242")
                try await eventually("the scored one fetched, the other dead-lettered", timeout: .seconds(60)) {
                    let letters = try await fixture.records(of: "biometric-events.dlq").count
                    return try await Self.deliveryIDs(fixture).count == 1 && letters == 1
                }
                #expect(try await Self.deliveryIDs(fixture).first?.hasPrefix("whoop:recovery:scored-later:") == true)
                let letter = try #require(try await fixture.records(of: "biometric-events.dlq").first)
                #expect(letter.headerText("reason") == "not_ready")
                #expect(clouds.whoop.apiRequests.filter { $0.path == "/developer/v2/cycle/2/recovery" }.count == 3, "asked three times: once, then after each delay")
                #expect(await fetcher.terminate().status == 0)
            }
        }
    }

    /// SIGKILL mid-batch loses nothing: the next fetcher fetches what was not
    /// committed, and the processor decides each record once.
    @Test func aKilledFetcherLosesNothing() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                let users = (0..<4).map { "oura-\($0)" }
                for (index, user) in users.enumerated() {
                    try await clouds.connect(clouds.oura, user: "user-\(index)", providerUser: user, client: fixture.client)
                    for record in 0..<50 {
                        clouds.oura.addOuraRecord(user: user, type: "daily_readiness", id: "\(user)-\(record)", day: Self.today,
                                                  json: ProviderClouds.ouraReadiness(id: "\(user)-\(record)", day: Self.today, score: 40 + record % 40))
                    }
                }
                for (index, user) in users.enumerated() {
                    try await Self.produceNotifications(fixture, cloud: .oura, user: "user-\(index)", ids: (0..<50).map { "\(user)-\($0)" }) { id in
                        SimulatedProviderCloud.ouraNotification(user: user, type: "daily_readiness", id: id)
                    }
                }
                let first = try fixture.start(role: "fetcher", environment: clouds.environment, arguments: ["--fetch-concurrency", "4"])
                try await eventually("some records fetched", timeout: .seconds(60)) { try await fixture.records(of: "biometric-events").count >= 20 }
                first.kill()
                let second = try fixture.start(role: "fetcher", environment: clouds.environment)
                try await eventually("all 200 fetched", timeout: .seconds(120)) { try await Self.deliveryIDs(fixture).count == 200 }

                let processor = try fixture.startProcessor()
                let total = try await fixture.records(of: "biometric-events").count
                try await eventually("every record consumed", timeout: .seconds(120)) { processor.consumedTotal == total }
                let consumed = try processor.consumed()
                #expect(consumed["processed"] == 200, "each record decided once")
                #expect((consumed["duplicate"] ?? 0) == total - 200, "re-fetched records are duplicates")
                #expect(await second.terminate().status == 0)
                #expect(await processor.terminate().status == 0)
            }
        }
    }

    /// A notification an ingress older than the fetcher left on the events
    /// topic is dead-lettered by the processor; `dlq redrive` sends it to the
    /// fetcher, and its record is decided.
    @Test func aNotificationLeftOnTheEventsTopicIsRedrivenToTheFetcher() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                try await clouds.connect(clouds.oura, user: "user-old", providerUser: "o-old", client: fixture.client)
                clouds.oura.addOuraRecord(user: "o-old", type: "daily_readiness", id: "dr-old", day: Self.today,
                                          json: ProviderClouds.ouraReadiness(id: "dr-old", day: Self.today, score: 25))
                let producer = try KafkaTestSupport.producer(fixture.bootstrapServers)
                _ = try await producer.send(KafkaProducerRecord(
                    topic: "biometric-events", key: "user-old",
                    value: Array(SimulatedProviderCloud.ouraNotification(user: "o-old", type: "daily_readiness", id: "dr-old").utf8), headers: [
                        KafkaHeader(name: "provider", value: "oura"), KafkaHeader(name: "received-at", value: Timestamp.now.description),
                        KafkaHeader(name: "delivery-id", value: "old-ingress-1"),
                    ]))
                await producer.close()
                let processor = try fixture.startProcessor()
                try await eventually("the notification dead-lettered", timeout: .seconds(60)) {
                    try await fixture.records(of: "biometric-events.dlq").count == 1
                }
                let letter = try #require(try await fixture.records(of: "biometric-events.dlq").first)
                #expect(letter.headerText("stage") == "normalise" && letter.headerText("reason") == "unsupported_type")

                let environment = ["KAFKA_BOOTSTRAP_SERVERS": fixture.bootstrapServers, "PATH": "/usr/bin:/bin"]
                let redrive = try await BridgeCommand.run(["dlq", "redrive", "--stage", "normalise", "--reason", "unsupported_type"], environment: environment)
                #expect(redrive.output.contains("re-drove 1 to provider-notifications"), "\(redrive.output)\(redrive.errors)")
                let fetcher = try fixture.start(role: "fetcher", environment: clouds.environment)
                try await eventually("the fetched readiness decided", timeout: .seconds(60)) {
                    let switches = try await fixture.records(of: "neuros-mode-switches").compactMap { try? JSONParser.parse($0.value) }
                    return switches.contains { $0["user_id"]?.stringValue == "user-old" && $0["new_mode"]?.stringValue == "guardian" }
                }
                #expect(await fetcher.terminate().status == 0)
                #expect(await processor.terminate().status == 0)
            }
        }
    }

    /// A record larger than Kafka takes is dead-lettered, and the ones
    /// after it are fetched and committed all the same.
    @Test func aRecordTooLargeForKafkaIsDeadLetteredNotRetried() async throws {
        try await ProcessorFixture.run(eventPartitions: 4) { fixture in
            try await ProviderClouds.run { clouds in
                try await clouds.connect(clouds.oura, user: "user-big", providerUser: "o-big", client: fixture.client)
                let padding = String(repeating: "x", count: 1_100_000)
                clouds.oura.addOuraRecord(user: "o-big", type: "sleep", id: "huge", day: Self.today,
                                          json: #"{"id":"huge","day":"\#(Self.today)","note":"\#(padding)"}"#)
                clouds.oura.addOuraRecord(user: "o-big", type: "daily_readiness", id: "small", day: Self.today,
                                          json: ProviderClouds.ouraReadiness(id: "small", day: Self.today, score: 70))
                let fetcher = try fixture.start(role: "fetcher", environment: clouds.environment)
                try await Self.produceNotifications(fixture, cloud: .oura, user: "user-big", ids: ["huge"]) { id in
                    SimulatedProviderCloud.ouraNotification(user: "o-big", type: "sleep", id: id)
                }
                try await Self.produceNotifications(fixture, cloud: .oura, user: "user-big", ids: ["small"]) { id in
                    SimulatedProviderCloud.ouraNotification(user: "o-big", type: "daily_readiness", id: id)
                }
                try await eventually("the small record fetched and the huge one dead-lettered", timeout: .seconds(60)) {
                    let letters = try await fixture.records(of: "biometric-events.dlq")
                    return try await Self.deliveryIDs(fixture).count == 1 && letters.first?.headerText("reason") == "record_refused"
                }
                #expect(await fetcher.terminate().status == 0)
            }
        }
    }

    // MARK: Helpers

    /// Notifications as the ingress appends them, spread over every
    /// partition (whatever the key), so every fetcher gets some.
    static func produceNotifications(
        _ fixture: ProcessorFixture, cloud: Provider, user: String, ids: [String], body: (String) -> String
    ) async throws {
        let producer = try KafkaTestSupport.producer(fixture.bootstrapServers)
        for (index, id) in ids.enumerated() {
            _ = try await producer.send(KafkaProducerRecord(
                topic: "provider-notifications", partition: Int32(index % 4), key: Array(user.utf8), value: Array(body(id).utf8), headers: [
                    KafkaHeader(name: "provider", value: cloud.rawValue), KafkaHeader(name: "received-at", value: Timestamp.now.description),
                    KafkaHeader(name: "delivery-id", value: "n-\(id)"), KafkaHeader(name: "content-type", value: "application/json"),
                ]))
        }
        await producer.close()
    }

    static func deliveryIDs(_ fixture: ProcessorFixture) async throws -> Set<String> {
        Set(try await fixture.records(of: "biometric-events").compactMap { $0.headerText("delivery-id") })
    }

    static func tokenVersion(_ client: PostgresClient, _ providerUser: String) async throws -> Int64? {
        for try await version in try await client.query("SELECT token_version FROM provider_accounts WHERE provider_user_id = \(providerUser)").decode(Int64.self) {
            return version
        }
        return nil
    }
}
