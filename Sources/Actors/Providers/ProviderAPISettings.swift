import Foundation
import Pipeline

/// How the bridge reaches one provider's API as an OAuth2 client: the app's
/// credentials, its URLs and scopes, and the request limits it must keep.
/// Defaults are the providers' published ones; every value can be overridden
/// from the environment (`OURA_…`, `WHOOP_…`).
public struct ProviderAPISettings: Sendable {
    public let provider: Provider
    public var clientID: String
    public var clientSecret: String
    public var apiURL: String
    public var authorizeURL: String
    public var tokenURL: String
    public var scopes: String
    var budget: [RequestBudget.Window]

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// The provider's settings, or nil when its client id is not set (the
    /// provider is not connected, and its notifications are dead-lettered).
    /// The client secret is the first of the comma-separated list the
    /// webhook signatures accept.
    public static func fromEnvironment(_ provider: Provider, _ environment: [String: String]) throws(Invalid) -> ProviderAPISettings? {
        let prefix = provider.rawValue.uppercased() + "_"
        func value(_ name: String) -> String? {
            environment[prefix + name].flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let clientID = value("CLIENT_ID") else { return nil }
        guard let secret = value("CLIENT_SECRET")?.split(separator: ",").first.map(String.init) else {
            throw Invalid(description: "\(prefix)CLIENT_ID is set but \(prefix)CLIENT_SECRET is not")
        }
        var settings: ProviderAPISettings
        switch provider {
        case .oura:
            let api = value("API_URL") ?? "https://api.ouraring.com"
            settings = ProviderAPISettings(
                provider: provider, clientID: clientID, clientSecret: secret, apiURL: api,
                authorizeURL: "https://cloud.ouraring.com/oauth/authorize", tokenURL: api + "/oauth/token",
                scopes: "personal daily heartrate", budget: [.init(limit: 5_000, length: .seconds(300))])
        case .whoop:
            let api = value("API_URL") ?? "https://api.prod.whoop.com"
            settings = ProviderAPISettings(
                provider: provider, clientID: clientID, clientSecret: secret, apiURL: api,
                authorizeURL: api + "/oauth/oauth2/auth", tokenURL: api + "/oauth/oauth2/token",
                scopes: "offline read:recovery read:sleep read:cycles read:profile",
                budget: [.init(limit: 100, length: .seconds(60)), .init(limit: 10_000, length: .seconds(86_400))])
        default:
            throw Invalid(description: "\(provider.rawValue) has no OAuth2 API the bridge fetches from")
        }
        settings.apiURL = Self.trimmed(settings.apiURL)
        settings.authorizeURL = value("AUTHORIZE_URL") ?? settings.authorizeURL
        settings.tokenURL = value("TOKEN_URL") ?? settings.tokenURL
        settings.scopes = value("SCOPES") ?? settings.scopes
        if let limits = value("RATE_LIMITS") { settings.budget = try parseBudget(limits, name: prefix + "RATE_LIMITS") }
        return settings
    }

    /// `5000/300s` or `100/60s,10000/86400s`: requests per window of seconds.
    static func parseBudget(_ text: String, name: String) throws(Invalid) -> [RequestBudget.Window] {
        var windows: [RequestBudget.Window] = []
        for part in text.split(separator: ",") {
            let fields = part.trimmingCharacters(in: .whitespaces).split(separator: "/")
            guard fields.count == 2, let limit = Int(fields[0]), (1...1_000_000).contains(limit),
                  fields[1].hasSuffix("s"), let seconds = Int(fields[1].dropLast()), (1...604_800).contains(seconds)
            else {
                throw Invalid(description: "\(name) takes REQUESTS/SECONDSs pairs separated by commas (e.g. 100/60s,10000/86400s), not '\(part)'")
            }
            windows.append(.init(limit: limit, length: .seconds(seconds)))
        }
        guard !windows.isEmpty else { throw Invalid(description: "\(name) names no limit") }
        return windows
    }

    private static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// The limits, as the environment spells them.
    public var budgetDescription: String { budget.map(\.description).joined(separator: ",") }
}
