import Foundation
import Logging
import Pipeline

/// Does what one notification asks of a provider's API: fetches the named
/// record (a WHOOP recovery through its sleep's cycle), or every record of a
/// backfill window page by page, with the user's token. Returns the records
/// to append and the outcome to count, or the `FetchFailure` to dead-letter.
struct RecordFetcher: Sendable {
    struct Record: Sendable, Equatable {
        let dataType: String
        let id: String
        let body: [UInt8]
    }

    struct Result: Sendable {
        let records: [Record]
        /// `fetched`, `backfilled`, `deleted`, `unused_type`, `not_scored`.
        let outcome: String
    }

    let apis: [Provider: ProviderAPI]
    let tokens: ConnectionTokens
    /// Waits before asking again for a WHOOP recovery that is not scored yet
    /// (404); after the last, the notification is dead-lettered `not_ready`.
    let notReadyDelays: [Duration]
    /// Pages of one list a backfill reads at most (a provider's next_token
    /// cannot keep it reading forever).
    static let maximumPages = 100

    func perform(_ notification: ProviderNotification) async throws -> Result {
        guard let api = apis[notification.provider] else { throw FetchFailure.providerNotConfigured }
        do {
            switch notification.work {
            case .acknowledge(let outcome):
                return Result(records: [], outcome: outcome)
            case .ouraRecord(let dataType, let id):
                let body = try await get(api, notification, "/v2/usercollection/\(dataType)/\(id)", endpoint: "record")
                return Result(records: [Record(dataType: dataType, id: id, body: body)], outcome: "fetched")
            case .whoopSleep(let id):
                let body = try await get(api, notification, "/developer/v2/activity/sleep/\(id)", endpoint: "record")
                return Self.scored(body) ? Result(records: [Record(dataType: "sleep", id: id, body: body)], outcome: "fetched")
                    : Result(records: [], outcome: "not_scored")
            case .whoopRecovery(let sleepID):
                return try await whoopRecovery(api, notification, sleepID: sleepID)
            case .backfill(let start, let end):
                return Result(records: try await backfill(api, notification, start: start, end: end), outcome: "backfilled")
            }
        } catch let error as ProviderError {
            throw FetchFailure(error)
        } catch is StateCipher.Failure {
            throw FetchFailure.tokensUnreadable
        }
    }

    private func get(_ api: ProviderAPI, _ notification: ProviderNotification, _ path: String, endpoint: String) async throws -> [UInt8] {
        try await tokens.withAccessToken(api, providerUserID: notification.providerUserID) { token in
            try await api.get(path, endpoint: endpoint, accessToken: token)
        }
    }

    /// The sleep names its cycle; the cycle's recovery is 404 until scored.
    private func whoopRecovery(_ api: ProviderAPI, _ notification: ProviderNotification, sleepID: String) async throws -> Result {
        let sleep = try await get(api, notification, "/developer/v2/activity/sleep/\(sleepID)", endpoint: "record")
        guard let cycle = (try? JSONParser.parse(sleep))?["cycle_id"]?.identifierText, ProviderNotification.isSafeID(cycle) else {
            throw ProviderError.malformedAnswer("the sleep names no cycle_id")
        }
        var delays = notReadyDelays[...]
        while true {
            do {
                let body = try await get(api, notification, "/developer/v2/cycle/\(cycle)/recovery", endpoint: "record")
                return Self.scored(body) ? Result(records: [Record(dataType: "recovery", id: sleepID, body: body)], outcome: "fetched")
                    : Result(records: [], outcome: "not_scored")
            } catch ProviderError.notFound {
                guard let delay = delays.popFirst() else { throw FetchFailure.notReady }
                try await Task.sleep(for: delay)
            }
        }
    }

    private func backfill(_ api: ProviderAPI, _ notification: ProviderNotification, start: Timestamp, end: Timestamp) async throws -> [Record] {
        var records: [Record] = []
        switch api.provider {
        case .oura:
            let window = "start_date=\(Self.day(start))&end_date=\(Self.day(end))"
            for dataType in ["sleep", "daily_sleep", "daily_readiness"] {
                records += try await pages(api, notification, "/v2/usercollection/\(dataType)?\(window)", items: "data", tokenParameter: "next_token") { item in
                    item["id"]?.identifierText.map { Record(dataType: dataType, id: $0, body: Self.bytes(item)) }
                }
            }
        default:
            let window = "start=\(start.description)&end=\(end.description)&limit=25"
            for (dataType, path, idField) in [("sleep", "/developer/v2/activity/sleep", "id"), ("recovery", "/developer/v2/recovery", "sleep_id")] {
                records += try await pages(api, notification, "\(path)?\(window)", items: "records", tokenParameter: "nextToken") { item in
                    guard Self.scored(item), let id = item[idField]?.identifierText else { return nil }
                    return Record(dataType: dataType, id: id, body: Self.bytes(item))
                }
            }
        }
        return records
    }

    private func pages(
        _ api: ProviderAPI, _ notification: ProviderNotification, _ first: String, items: String, tokenParameter: String,
        record: (JSONValue) -> Record?
    ) async throws -> [Record] {
        var records: [Record] = []
        var next: String?
        for _ in 0..<Self.maximumPages {
            let path = first + (next.map { "&\(tokenParameter)=\(ProviderAPI.escape($0))" } ?? "")
            let body = try await get(api, notification, path, endpoint: "list")
            guard let page = try? JSONParser.parse(body), let list = page[items]?.arrayValue else {
                throw ProviderError.malformedAnswer("a list page has no \(items)")
            }
            records += list.compactMap(record)
            next = page["next_token"]?.stringValue
            if next?.isEmpty ?? true { break }
        }
        return records
    }

    /// WHOOP marks records `SCORED` once they have readings; Oura's have no
    /// state. A body that does not parse goes on, for the processor to
    /// dead-letter with its reason.
    private static func scored(_ body: [UInt8]) -> Bool {
        (try? JSONParser.parse(body)).map(scored) ?? true
    }

    private static func scored(_ record: JSONValue) -> Bool {
        guard let state = record["score_state"] else { return true }
        return state.stringValue == "SCORED"
    }

    private static func bytes(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.value(value)
        return Array(writer.text.utf8)
    }

    private static func day(_ timestamp: Timestamp) -> String {
        String(timestamp.description.prefix(10))
    }
}
