import Foundation
import Pipeline

/// One record of `provider-notifications`, read: whose it is and what it
/// asks the fetcher to do. Oura: `{event_type, data_type, object_id,
/// event_time, user_id}`; WHOOP: `{user_id, id, type, trace_id}`; the
/// bridge's own backfill request: `{user_id, backfill: {start, end}}`.
struct ProviderNotification: Sendable, Equatable {
    enum Work: Sendable, Equatable {
        /// `GET …/usercollection/{dataType}/{id}`.
        case ouraRecord(dataType: String, id: String)
        case whoopSleep(id: String)
        /// The recovery of the cycle of this sleep.
        case whoopRecovery(sleepID: String)
        /// Acknowledged and counted, not fetched: a delete, or a type the
        /// decisions do not use. The outcome names which.
        case acknowledge(outcome: String)
        /// The connection's records between two instants, through the list endpoints.
        case backfill(start: Timestamp, end: Timestamp)
    }

    let provider: Provider
    let providerUserID: String
    let work: Work

    static let ouraFetched: Set<String> = ["sleep", "daily_sleep", "daily_readiness"]

    static func parse(_ body: [UInt8], provider: Provider) throws(FetchFailure) -> ProviderNotification {
        guard let json = try? JSONParser.parse(body), json.isObject,
              let user = json["user_id"]?.identifierText, Identifier.isValid(user) else {
            throw .malformedNotification
        }
        if let backfill = json["backfill"] {
            guard let start = backfill["start"]?.stringValue.flatMap(TimestampParser.parseInstant),
                  let end = backfill["end"]?.stringValue.flatMap(TimestampParser.parseInstant), start < end else {
                throw .malformedNotification
            }
            return ProviderNotification(provider: provider, providerUserID: user, work: .backfill(start: start, end: end))
        }
        switch provider {
        case .oura:
            guard let event = json["event_type"]?.stringValue, let dataType = json["data_type"]?.stringValue,
                  let id = json["object_id"]?.stringValue, isSafeID(id) else { throw .malformedNotification }
            let work: Work
            if event == "delete" {
                work = .acknowledge(outcome: "deleted")
            } else if !ouraFetched.contains(dataType) {
                work = .acknowledge(outcome: "unused_type")
            } else {
                work = .ouraRecord(dataType: dataType, id: id)
            }
            return ProviderNotification(provider: provider, providerUserID: user, work: work)
        case .whoop:
            guard let type = json["type"]?.stringValue, let id = json["id"]?.identifierText, isSafeID(id) else {
                throw .malformedNotification
            }
            let work: Work = switch type {
            case "sleep.updated": .whoopSleep(id: id)
            case "recovery.updated": .whoopRecovery(sleepID: id)
            case _ where type.hasSuffix(".deleted"): .acknowledge(outcome: "deleted")
            default: .acknowledge(outcome: "unused_type")
            }
            return ProviderNotification(provider: provider, providerUserID: user, work: work)
        default:
            throw .malformedNotification
        }
    }

    /// Ids go into URL paths: letters, digits, `-` and `_` only, at most 128.
    static func isSafeID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95
        }
    }
}
