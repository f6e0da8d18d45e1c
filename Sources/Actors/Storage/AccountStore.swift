import Logging
import NIOCore
import Pipeline
import PostgresNIO

/// Provider accounts and HealthKit device keys in PostgreSQL: what the
/// ingress reads to resolve users and verify devices, and what
/// `biometric-bridge accounts` administers.
public struct AccountStore: Sendable {
    public struct Link: Sendable, Equatable {
        public let provider: String
        public let providerUserID: String
        public let userID: String

        public init(provider: String, providerUserID: String, userID: String) {
            self.provider = provider
            self.providerUserID = providerUserID
            self.userID = userID
        }
    }

    public struct DeviceKey: Sendable {
        public let id: String
        /// `whsec_<base64>`: what the app signs with, shown once.
        public let secret: String
    }

    /// Every committed change to accounts or device keys is announced here.
    public static let changesChannel = "auren_accounts"

    private let client: PostgresClient
    private let cipher: StateCipher
    private let logger: Logger

    public init(client: PostgresClient, cipher: StateCipher, logger: Logger) {
        self.client = client
        self.cipher = cipher
        self.logger = logger
    }

    /// The OAuth2 connections of the same accounts.
    public var connections: ConnectionStore { ConnectionStore(client: client, cipher: cipher, logger: logger) }

    /// The internal user id of a provider's user, nil when not linked.
    public func userID(provider: String, providerUserID: String) async throws -> String? {
        let rows = try await client.query("""
            SELECT user_id FROM provider_accounts WHERE provider = \(provider) AND provider_user_id = \(providerUserID)
            """, logger: logger)
        for try await user in rows.decode(String.self) { return user }
        return nil
    }

    /// The HMAC keys of the user's devices (decrypted), empty when none.
    public func deviceSecrets(of user: String) async throws -> [[UInt8]] {
        let rows = try await client.query("SELECT device_key_id, key_id, secret FROM device_keys WHERE user_id = \(user)", logger: logger)
        var secrets: [[UInt8]] = []
        for try await (deviceKeyID, keyID, sealed) in rows.decode((String, String, ByteBuffer).self) {
            secrets.append(try cipher.open(Array(sealed.readableBytesView), keyID: keyID, for: .deviceKey(user: user, keyID: deviceKeyID)))
        }
        return secrets
    }

    /// Links (or re-links) a provider's user to an internal user.
    public func link(_ link: Link) async throws {
        try await announcing { connection in
            try await connection.query("""
                INSERT INTO provider_accounts (provider, provider_user_id, user_id) VALUES (\(link.provider), \(link.providerUserID), \(link.userID))
                ON CONFLICT (provider, provider_user_id) DO UPDATE SET user_id = EXCLUDED.user_id
                """, logger: logger)
        }
    }

    /// Removes a link; false when there was none.
    public func unlink(provider: String, providerUserID: String) async throws -> Bool {
        try await announcing { connection in
            let rows = try await connection.query("""
                DELETE FROM provider_accounts WHERE provider = \(provider) AND provider_user_id = \(providerUserID) RETURNING user_id
                """, logger: logger)
            for try await _ in rows.decode(String.self) { return true }
            return false
        }
    }

    /// Every link, or those of one internal user.
    public func links(of user: String?) async throws -> [Link] {
        let rows = try await client.query("""
            SELECT provider, provider_user_id, user_id FROM provider_accounts
            WHERE \(user == nil) OR user_id = \(user ?? "") ORDER BY user_id, provider, provider_user_id
            """, logger: logger)
        var links: [Link] = []
        for try await (provider, providerUserID, userID) in rows.decode((String, String, String).self) {
            links.append(Link(provider: provider, providerUserID: providerUserID, userID: userID))
        }
        return links
    }

    /// Ids of the user's device keys, oldest first.
    public func deviceKeyIDs(of user: String) async throws -> [String] {
        let rows = try await client.query("SELECT device_key_id FROM device_keys WHERE user_id = \(user) ORDER BY created_at", logger: logger)
        var ids: [String] = []
        for try await id in rows.decode(String.self) { ids.append(id) }
        return ids
    }

    /// A new random 32-byte device secret for the user, stored encrypted.
    public func createDeviceKey(for user: String) async throws -> DeviceKey {
        let secret = try SecureRandom.bytes(32)
        let id = "dk_" + Hex.encode(try SecureRandom.bytes(6))
        let sealed = try cipher.seal(secret, for: .deviceKey(user: user, keyID: id))
        let keyID = cipher.currentKeyID
        try await announcing { connection in
            try await connection.query("""
                INSERT INTO device_keys (user_id, device_key_id, key_id, secret) VALUES (\(user), \(id), \(keyID), \(ByteBuffer(bytes: sealed)))
                """, logger: logger)
        }
        return DeviceKey(id: id, secret: StandardWebhookSecret.encode(secret))
    }

    /// Removes one of the user's device keys (a lost or replaced device);
    /// false when the user has no such key.
    public func revokeDeviceKey(_ id: String, of user: String) async throws -> Bool {
        try await announcing { connection in
            let rows = try await connection.query("""
                DELETE FROM device_keys WHERE user_id = \(user) AND device_key_id = \(id) RETURNING device_key_id
                """, logger: logger)
            for try await _ in rows.decode(String.self) { return true }
            return false
        }
    }

    /// Calls `onChange` once LISTEN is in place (for whatever changed while
    /// nobody listened) and then for every announced change, until the
    /// connection ends or the task is cancelled.
    public func followChanges(_ onChange: @escaping @Sendable () -> Void) async throws {
        let logger = logger
        try await client.withConnection { connection in
            try await connection.listen(on: Self.changesChannel) { notifications in
                logger.debug("listening for account changes")
                onChange()
                for try await _ in notifications { onChange() }
            }
        }
    }

    /// Runs `change` and announces it in one transaction: listeners hear of
    /// it once it is committed, never before.
    @discardableResult
    private func announcing<T: Sendable>(_ change: (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.announcing(on: client, logger: logger, change)
    }

    static func announcing<T: Sendable>(
        on client: PostgresClient, logger: Logger, _ change: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await client.withTransaction(logger: logger) { connection in
            let result = try await change(connection)
            try await connection.query("SELECT pg_notify(\(changesChannel), '')", logger: logger)
            return result
        }
    }
}
