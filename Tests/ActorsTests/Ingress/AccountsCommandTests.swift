import Actors
import Foundation
import Logging
import Testing

/// `biometric-bridge accounts …` as an operator runs it, against a real database.
struct AccountsCommandTests {
    static func accounts(_ arguments: [String], database: PostgresSettings) async throws -> BridgeCommand.Outcome {
        try await BridgeCommand.run(["accounts"] + arguments + ["--insecure-development-key"], environment: ["DATABASE_URL": database.url, "PATH": "/usr/bin:/bin"])
    }

    @Test func linkListIssueAndRevokeADeviceKeyAndUnlink() async throws {
        try await TestDatabase.withEmptyDatabase { database, client in
            let link = try await Self.accounts(["link", "--user", "user-42", "--provider", "Oura", "--provider-user-id", "oura-abc"], database: database)
            #expect(link.status == 0, "\(link.errors)")
            #expect(link.output.contains("linked oura user oura-abc to user-42"))

            let key = try await Self.accounts(["device-key", "--user", "user-42"], database: database)
            #expect(key.status == 0, "\(key.errors)")
            let secret = try #require(key.output.split(separator: "\n").last.map(String.init))
            #expect(secret.hasPrefix("whsec_"))
            #expect(!key.errors.contains(secret), "the secret is printed once, on standard output only")

            let store = AccountStore(client: client, cipher: try StateCipher.fromEnvironment([:], allowingDevelopmentKey: true, logger: TestDatabase.logger), logger: TestDatabase.logger)
            #expect(try await store.deviceSecrets(of: "user-42") == [StandardWebhookSecret.decode(secret)!])
            #expect(try await store.userID(provider: "oura", providerUserID: "oura-abc") == "user-42")

            let list = try await Self.accounts(["list", "--user", "user-42"], database: database)
            #expect(list.status == 0)
            #expect(list.output.contains("user-42\toura\toura-abc"))
            #expect(list.output.contains("device keys\tdk_"))
            #expect(!list.output.contains(secret))

            let keyID = try #require(try await store.deviceKeyIDs(of: "user-42").first)
            let revoke = try await Self.accounts(["revoke-device-key", "--user", "user-42", "--key", keyID], database: database)
            #expect(revoke.status == 0, "\(revoke.errors)")
            #expect(revoke.output.contains("revoked device key \(keyID) of user-42"))
            #expect(try await store.deviceSecrets(of: "user-42").isEmpty)
            let revokeAgain = try await Self.accounts(["revoke-device-key", "--user", "user-42", "--key", keyID], database: database)
            #expect(revokeAgain.status != 0)
            #expect(revokeAgain.errors.contains("user-42 has no device key \(keyID)"))

            let unlink = try await Self.accounts(["unlink", "--provider", "oura", "--provider-user-id", "oura-abc"], database: database)
            #expect(unlink.status == 0)
            #expect(try await store.userID(provider: "oura", providerUserID: "oura-abc") == nil)
            let again = try await Self.accounts(["unlink", "--provider", "oura", "--provider-user-id", "oura-abc"], database: database)
            #expect(again.status != 0)
            #expect(again.errors.contains("no oura account oura-abc is linked"))
        }
    }
}
