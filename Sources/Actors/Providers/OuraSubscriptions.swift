import Foundation
import Logging
import Pipeline

/// Oura delivers webhooks only to registered subscriptions, one per
/// (event type, data type), each until its `expiration_time`: created by
/// `providers oura subscribe`, listed by `providers oura subscriptions`, and
/// renewed by the fetcher before they lapse. Authenticated with the app's
/// client id and secret, not a user's token.
public struct OuraSubscriptions: Sendable {
    public struct Subscription: Sendable, Equatable {
        public let id: String
        public let callbackURL: String
        public let eventType: String
        public let dataType: String
        public let expiration: Timestamp?
    }

    /// Every pair the fetcher acts on: creates and updates are fetched,
    /// deletes acknowledged and counted.
    public static let wanted: [(eventType: String, dataType: String)] = ["create", "update", "delete"].flatMap { event in
        ProviderNotification.ouraFetched.sorted().map { (event, $0) }
    }

    private let client: ProviderClient
    private let logger: Logger

    public init(client: ProviderClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    private var base: String { client.settings.apiURL + "/v2/webhook/subscription" }

    private var headers: [(String, String)] {
        [("x-client-id", client.settings.clientID), ("x-client-secret", client.settings.clientSecret), ("content-type", "application/json")]
    }

    public func list() async throws -> [Subscription] {
        let response = try await client.send(.GET, base, endpoint: "subscription", headers: headers)
        guard response.status == 200 else { throw ProviderError.status(response.status, endpoint: "subscription") }
        guard let items = (try? JSONParser.parse(response.body))?.arrayValue else {
            throw ProviderError.malformedAnswer("the subscription list is not an array")
        }
        return items.compactMap(Self.subscription)
    }

    /// Creates the wanted subscriptions that `callbackURL` does not have yet;
    /// returns the ones created.
    public func subscribe(callbackURL: String, verificationToken: String) async throws -> [Subscription] {
        let existing = try await list().filter { $0.callbackURL == callbackURL }
        var created: [Subscription] = []
        for (eventType, dataType) in Self.wanted where !existing.contains(where: { $0.eventType == eventType && $0.dataType == dataType }) {
            var writer = JSONWriter()
            writer.beginObject()
            writer.member("callback_url", callbackURL)
            writer.member("verification_token", verificationToken)
            writer.member("event_type", eventType)
            writer.member("data_type", dataType)
            writer.endObject()
            let response = try await client.send(.POST, base, endpoint: "subscription", headers: headers, body: Array(writer.text.utf8))
            guard (200...201).contains(response.status), let json = try? JSONParser.parse(response.body), let subscription = Self.subscription(json) else {
                throw ProviderError.status(response.status, endpoint: "subscription")
            }
            created.append(subscription)
        }
        return created
    }

    /// Renews every subscription that lapses within `margin`; returns how many.
    public func renewExpiring(within margin: Duration, now: Timestamp = .now) async throws -> Int {
        var renewed = 0
        for subscription in try await list() {
            guard let expiration = subscription.expiration, expiration.seconds(since: now) < Double(margin.components.seconds) else { continue }
            let response = try await client.send(.PUT, base + "/renew/\(ProviderAPI.escape(subscription.id))", endpoint: "subscription", headers: headers)
            guard response.status == 200 else { throw ProviderError.status(response.status, endpoint: "subscription") }
            logger.info("renewed the Oura subscription for \(subscription.eventType) \(subscription.dataType)")
            renewed += 1
        }
        return renewed
    }

    private static func subscription(_ json: JSONValue) -> Subscription? {
        guard let id = json["id"]?.stringValue else { return nil }
        return Subscription(
            id: id, callbackURL: json["callback_url"]?.stringValue ?? "", eventType: json["event_type"]?.stringValue ?? "",
            dataType: json["data_type"]?.stringValue ?? "", expiration: json["expiration_time"]?.stringValue.flatMap(TimestampParser.parseInstant))
    }
}
