import Actors
import ArgumentParser
import Foundation
import Logging
import Pipeline

/// The bridge's side of the providers' developer setup.
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "Set up the provider apps: Oura webhook subscriptions.",
        discussion: "WHOOP's webhook URL is set in its developer dashboard; Oura's are registered through its API, here.",
        subcommands: [Oura.self])

    struct Oura: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Oura webhook subscriptions (OURA_CLIENT_ID, OURA_CLIENT_SECRET, OURA_API_URL as for serve).",
            subcommands: [Subscribe.self, Subscriptions.self])
    }

    struct Subscribe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the subscriptions the bridge uses (create, update and delete of sleep, daily_sleep and daily_readiness).",
            discussion: """
                Oura first calls the callback with OURA_VERIFICATION_TOKEN (its first value), so the ingress must be \\
                reachable there and configured with it. Subscriptions the callback already has are left alone; the \\
                fetcher renews each before its expiration_time.
                """)

        @Option(help: "The public URL of the ingress's Oura route, e.g. https://bridge.example.com/webhooks/oura.")
        var callbackURL: String

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            guard let token = environment["OURA_VERIFICATION_TOKEN"]?.split(separator: ",").first.map(String.init), !token.isEmpty else {
                throw ValidationError("set OURA_VERIFICATION_TOKEN: Oura sends it back to the callback to prove the subscription is ours")
            }
            let created = try await ProvidersCommand.subscriptions().subscribe(callbackURL: callbackURL, verificationToken: token)
            print(created.isEmpty ? "every subscription exists already" : "created \(created.count) subscriptions:")
            for subscription in created { print(ProvidersCommand.describe(subscription)) }
        }
    }

    struct Subscriptions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the app's Oura subscriptions with their expiry.")

        func run() async throws {
            let subscriptions = try await ProvidersCommand.subscriptions().list()
            if subscriptions.isEmpty { print("no subscriptions") }
            for subscription in subscriptions { print(ProvidersCommand.describe(subscription)) }
        }
    }

    static func subscriptions() throws -> OuraSubscriptions {
        let logger = Logger(label: "auren.providers")
        return OuraSubscriptions(client: try client(for: .oura, logger: logger), logger: logger)
    }

    /// A client of the provider's API as the environment configures it
    /// (`<PROVIDER>_CLIENT_ID`, …), or a refusal that says what to set.
    static func client(for provider: Provider, logger: Logger) throws -> ProviderClient {
        let prefix = provider.rawValue.uppercased()
        do {
            guard let settings = try ProviderAPISettings.fromEnvironment(provider, ProcessInfo.processInfo.environment) else {
                throw ValidationError("set \(prefix)_CLIENT_ID and \(prefix)_CLIENT_SECRET, as for serve")
            }
            return ProviderClient(settings: settings, metrics: BridgeMetrics(), logger: logger)
        } catch let invalid as ProviderAPISettings.Invalid {
            throw ValidationError(invalid.description)
        }
    }

    static func describe(_ subscription: OuraSubscriptions.Subscription) -> String {
        "\(subscription.id)\t\(subscription.eventType)\t\(subscription.dataType)\t\(subscription.callbackURL)\texpires \(subscription.expiration?.description ?? "unknown")"
    }
}
