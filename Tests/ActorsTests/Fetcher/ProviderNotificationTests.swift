@testable import Actors
import Pipeline
import Testing

/// What a notification asks the fetcher to do.
struct ProviderNotificationTests {
    func parse(_ body: String, _ provider: Provider) throws(FetchFailure) -> ProviderNotification {
        try ProviderNotification.parse(Array(body.utf8), provider: provider)
    }

    @Test func ouraFetchesThreeTypesAndAcknowledgesTheRest() throws {
        let readiness = try parse(#"{"event_type":"update","data_type":"daily_readiness","object_id":"abc-1","user_id":"u1"}"#, .oura)
        #expect(readiness == ProviderNotification(provider: .oura, providerUserID: "u1", work: .ouraRecord(dataType: "daily_readiness", id: "abc-1")))
        #expect(try parse(#"{"event_type":"delete","data_type":"sleep","object_id":"a","user_id":"u1"}"#, .oura).work == .acknowledge(outcome: "deleted"))
        #expect(try parse(#"{"event_type":"create","data_type":"workout","object_id":"a","user_id":"u1"}"#, .oura).work == .acknowledge(outcome: "unused_type"))
    }

    /// WHOOP's user id is an integer; a recovery is named by its sleep.
    @Test func whoopNamesSleepsAndRecoveriesBySleepID() throws {
        let recovery = try parse(#"{"user_id":10129,"id":"550e8400-e29b","type":"recovery.updated","trace_id":"t"}"#, .whoop)
        #expect(recovery == ProviderNotification(provider: .whoop, providerUserID: "10129", work: .whoopRecovery(sleepID: "550e8400-e29b")))
        #expect(try parse(#"{"user_id":1,"id":"s","type":"sleep.updated","trace_id":"t"}"#, .whoop).work == .whoopSleep(id: "s"))
        #expect(try parse(#"{"user_id":1,"id":"s","type":"workout.updated","trace_id":"t"}"#, .whoop).work == .acknowledge(outcome: "unused_type"))
        #expect(try parse(#"{"user_id":1,"id":"s","type":"sleep.deleted","trace_id":"t"}"#, .whoop).work == .acknowledge(outcome: "deleted"))
    }

    /// Ids go into URL paths: anything that could leave the path is refused.
    @Test(arguments: [
        #"{"event_type":"update","data_type":"sleep","object_id":"../../oauth/revoke","user_id":"u"}"#,
        #"{"event_type":"update","data_type":"sleep","object_id":"a?b=c","user_id":"u"}"#,
        #"{"event_type":"update","data_type":"sleep","user_id":"u"}"#,
        #"{"event_type":"update","data_type":"sleep","object_id":"a"}"#,
        #"[1,2]"#, "not json",
    ])
    func unsafeOrIncompleteNotificationsAreMalformed(_ body: String) {
        #expect(throws: FetchFailure.malformedNotification) { try parse(body, .oura) }
    }

    @Test func aBackfillNamesItsWindow() throws {
        let backfill = try parse(#"{"user_id":"u1","backfill":{"start":"2026-11-29T00:00:00.000Z","end":"2026-12-06T00:00:00.000Z"}}"#, .oura)
        guard case .backfill(let start, let end) = backfill.work else { Issue.record("not a backfill"); return }
        #expect(end.seconds(since: start) == 7 * 86_400)
        #expect(throws: FetchFailure.malformedNotification) {
            try parse(#"{"user_id":"u1","backfill":{"start":"2026-12-06T00:00:00Z","end":"2026-11-29T00:00:00Z"}}"#, .oura)
        }
    }
}
