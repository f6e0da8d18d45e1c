import Actors
import ArgumentParser
import Foundation
import Logging
import Pipeline

/// The providers a user connects with OAuth2.
enum ConnectableProvider: String, ExpressibleByArgument, CaseIterable {
    case oura, whoop

    var value: Provider { self == .oura ? .oura : .whoop }
}

/// Administration of who is who: provider accounts and HealthKit device keys.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Link provider accounts, import or revoke Oura and WHOOP connections, issue HealthKit device keys.",
        discussion: """
            Connects with DATABASE_URL, or else the PG* variables, and applies the migrations first. Device secrets \
            are stored encrypted under BRIDGE_STATE_KEYS. Every change is announced to running ingresses, which \
            drop their cached lookups at once (and cache nothing for more than a minute in any case).
            """,
        subcommands: [Link.self, Unlink.self, Connect.self, Disconnect.self, List.self, DeviceKey.self, RevokeDeviceKey.self])

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

    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an existing Oura or WHOOP connection (tokens from another system), replacing the user's earlier one.",
            discussion: "The tokens are stored encrypted under BRIDGE_STATE_KEYS; the fetcher refreshes them before they expire.")
        @OptionGroup var stateKeys: StateKeyOptions

        @Option(help: "Internal user id.")
        var user: String
        @Option(help: "oura or whoop.")
        var provider: ConnectableProvider
        @Option(help: "The user's id at the provider.")
        var providerUserID: String
        @Option(help: "The current OAuth2 access token.")
        var accessToken: String
        @Option(help: "The current OAuth2 refresh token (single use: no other system may spend it any more).")
        var refreshToken: String
        @Option(help: "Seconds until the access token expires.")
        var expiresIn: Int

        func validate() throws {
            guard (0...31_536_000).contains(expiresIn) else { throw ValidationError("--expires-in must be between 0 and 31,536,000 seconds") }
            guard Identifier.isValid(user), Identifier.isValid(providerUserID) else { throw ValidationError("user ids must be 1–256 bytes of printable UTF-8") }
            guard !accessToken.isEmpty, !refreshToken.isEmpty else { throw ValidationError("both tokens are needed") }
        }

        func run() async throws {
            let tokens = OAuthTokens(accessToken: accessToken, refreshToken: refreshToken, expiresAt: Date().addingTimeInterval(TimeInterval(expiresIn)))
            try await AccountsCommand.withConnections(stateKeys) { [user, provider, providerUserID] store in
                try await store.connect(userID: user, provider: provider.value, providerUserID: providerUserID, tokens: tokens)
            }
            print("connected \(provider.rawValue) user \(providerUserID) to \(user); token expires in \(expiresIn) s")
        }
    }

    struct Disconnect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a user's Oura or WHOOP connection at the provider and delete its tokens.",
            discussion: """
                Needs the provider's client settings (OURA_CLIENT_ID, OURA_CLIENT_SECRET, … as for serve). The link to \
                the provider's user stays, so later notifications are dead-lettered connection_revoked until the user \
                connects again.
                """)
        @OptionGroup var stateKeys: StateKeyOptions

        @Option(help: "Internal user id.")
        var user: String
        @Option(help: "oura or whoop.")
        var provider: ConnectableProvider

        func run() async throws {
            let logger = Logger(label: "auren.accounts")
            let api = ProviderAPI(client: try ProvidersCommand.client(for: provider.value, logger: logger))
            let revoked = try await AccountsCommand.withConnections(stateKeys) { [user, provider] store in
                guard let connection = try await store.connections(of: user).first(where: { $0.provider == provider.rawValue }) else { return false }
                try await ConnectionTokens(store: store, metrics: BridgeMetrics(), logger: logger).disconnect(api, providerUserID: connection.providerUserID)
                return true
            }
            guard revoked else { throw ValidationError("\(user) has no \(provider.rawValue) connection") }
            print("disconnected \(provider.rawValue) from \(user): revoked at the provider, tokens deleted")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the linked accounts with each connection's status and token expiry, and device key ids (never a secret or token).")
        @OptionGroup var stateKeys: StateKeyOptions

        @Option(help: "Only this internal user.")
        var user: String?

        func run() async throws {
            let (links, devices, connections) = try await AccountsCommand.withStore(stateKeys) { store in
                let links = try await store.links(of: user)
                var devices: [String: [String]] = [:]
                for id in Set(links.map(\.userID) + [user].compactMap { $0 }) { devices[id] = try await store.deviceKeyIDs(of: id) }
                return (links, devices, try await store.connections.connections(of: user))
            }
            let byAccount = Dictionary(connections.map { ("\($0.provider)\u{1F}\($0.providerUserID)", $0) }) { first, _ in first }
            for link in links {
                let connection = byAccount["\(link.provider)\u{1F}\(link.providerUserID)"]
                print("\(link.userID)\t\(link.provider)\t\(link.providerUserID)" + (connection.map { "\t" + Self.describe($0) } ?? ""))
            }
            for (id, keys) in devices.sorted(by: { $0.key < $1.key }) where !keys.isEmpty {
                print("\(id)\tdevice keys\t\(keys.joined(separator: ","))")
            }
            if links.isEmpty && devices.values.allSatisfy(\.isEmpty) { print("no accounts") }
        }

        static func describe(_ connection: ConnectionStore.Connection) -> String {
            guard connection.hasTokens else { return connection.status == "revoked" ? "revoked" : "linked, not connected" }
            let expiry = connection.expiresAt.map { Timestamp(milliseconds: Int64($0.timeIntervalSince1970 * 1000)).description } ?? "unknown"
            return "\(connection.status), token v\(connection.tokenVersion) expires \(expiry)"
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

    static func withConnections<T: Sendable>(_ stateKeys: StateKeyOptions, _ body: @escaping @Sendable (ConnectionStore) async throws -> T) async throws -> T {
        try await withStore(stateKeys) { store in try await body(store.connections) }
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
