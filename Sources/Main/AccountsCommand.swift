import Actors
import ArgumentParser
import Foundation
import Logging

/// Administration of who is who: provider accounts and HealthKit device keys.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Link provider accounts to internal users and issue HealthKit device keys.",
        discussion: """
            Connects with DATABASE_URL, or else the PG* variables, and applies the migrations first. Device secrets \
            are stored encrypted under BRIDGE_STATE_KEYS. Every change is announced to running ingresses, which \
            drop their cached lookups at once (and cache nothing for more than a minute in any case).
            """,
        subcommands: [Link.self, Unlink.self, List.self, DeviceKey.self, RevokeDeviceKey.self])

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Map a provider's user id to an internal user id (re-linking replaces the old mapping).")
        @OptionGroup var stateKeys: StateKeyOptions

        @Option(help: "Internal user id.")
        var user: String
        @Option(help: "Provider name, e.g. oura, whoop, garmin.")
        var provider: String
        @Option(help: "The user's id at the provider.")
        var providerUserID: String

        func run() async throws {
            let link = AccountStore.Link(provider: provider.lowercased(), providerUserID: providerUserID, userID: user)
            try await AccountsCommand.withStore(stateKeys) { store in try await store.link(link) }
            print("linked \(link.provider) user \(link.providerUserID) to \(link.userID)")
        }
    }

    struct Unlink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a provider account mapping.")
        @OptionGroup var stateKeys: StateKeyOptions

        @Option(help: "Provider name.")
        var provider: String
        @Option(help: "The user's id at the provider.")
        var providerUserID: String

        func run() async throws {
            let removed = try await AccountsCommand.withStore(stateKeys) { store in
                try await store.unlink(provider: provider.lowercased(), providerUserID: providerUserID)
            }
            guard removed else { throw ValidationError("no \(provider.lowercased()) account \(providerUserID) is linked") }
            print("unlinked \(provider.lowercased()) user \(providerUserID)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the linked accounts and device key ids (never the secrets).")
        @OptionGroup var stateKeys: StateKeyOptions

        @Option(help: "Only this internal user.")
        var user: String?

        func run() async throws {
            let (links, devices) = try await AccountsCommand.withStore(stateKeys) { store in
                let links = try await store.links(of: user)
                var devices: [String: [String]] = [:]
                for id in Set(links.map(\.userID) + [user].compactMap { $0 }) { devices[id] = try await store.deviceKeyIDs(of: id) }
                return (links, devices)
            }
            for link in links { print("\(link.userID)\t\(link.provider)\t\(link.providerUserID)") }
            for (id, keys) in devices.sorted(by: { $0.key < $1.key }) where !keys.isEmpty {
                print("\(id)\tdevice keys\t\(keys.joined(separator: ","))")
            }
            if links.isEmpty && devices.values.allSatisfy(\.isEmpty) { print("no accounts") }
        }
    }

    struct DeviceKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "device-key",
            abstract: "Create a HealthKit device secret for a user and print it once.",
            discussion: "The app signs /healthkit/batch requests with it (Standard Webhooks). Earlier keys stay valid until revoked.")
        @OptionGroup var stateKeys: StateKeyOptions

        @Option(help: "Internal user id.")
        var user: String

        func run() async throws {
            let key = try await AccountsCommand.withStore(stateKeys) { store in try await store.createDeviceKey(for: user) }
            print("device key \(key.id) for \(user) (shown only now, store it in the app):")
            print(key.secret)
        }
    }

    struct RevokeDeviceKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-device-key",
            abstract: "Revoke one of a user's HealthKit device keys (a lost or replaced device).",
            discussion: "Running ingresses refuse requests signed with it as soon as the revocation commits. `accounts list` shows key ids.")
        @OptionGroup var stateKeys: StateKeyOptions

        @Option(help: "Internal user id.")
        var user: String
        @Option(help: "The device key id (dk_…).")
        var key: String

        func run() async throws {
            let revoked = try await AccountsCommand.withStore(stateKeys) { [user, key] store in try await store.revokeDeviceKey(key, of: user) }
            guard revoked else { throw ValidationError("\(user) has no device key \(key)") }
            print("revoked device key \(key) of \(user)")
        }
    }

    static func withStore<T: Sendable>(_ stateKeys: StateKeyOptions, _ body: @escaping @Sendable (AccountStore) async throws -> T) async throws -> T {
        let environment = ProcessInfo.processInfo.environment
        let logger = Logger(label: "auren.accounts")
        let cipher = try stateKeys.cipher(environment, logger: logger)
        let settings = try PostgresSettings.fromEnvironment(environment)
        try await MigrationRunner.apply(from: Migration.defaultDirectory(environment: environment), to: settings, logger: logger)
        return try await PostgresSession.with(settings, logger: logger) { client in
            try await body(AccountStore(client: client, cipher: cipher, logger: logger))
        }
    }
}
