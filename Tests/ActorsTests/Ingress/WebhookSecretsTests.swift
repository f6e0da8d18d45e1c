import Actors
import Foundation
import Testing

struct WebhookSecretsTests {
    @Test func environmentValuesRotateAndNeverPrint() throws {
        let secrets = try WebhookSecrets.load(environment: [
            "OURA_CLIENT_SECRET": "old-secret, new-secret",
            "OURA_VERIFICATION_TOKEN": "token-a",
            "WEBHOOK_SECRET_GARMIN": "whsec_\(Data("garmin-key".utf8).base64EncodedString())",
            "PATH": "/usr/bin",
        ])
        #expect(secrets.ouraSecrets == [Array("old-secret".utf8), Array("new-secret".utf8)])
        #expect(secrets.standardSecrets["garmin"] == [Array("garmin-key".utf8)])
        #expect(secrets.healthKitAPIKeys.isEmpty)
        #expect(!"\(secrets)".contains("token-a") && !"\(secrets)".contains("old-secret"))
    }

    @Test func aSecretThatIsNotWhsecIsRefused() {
        #expect(throws: WebhookSecrets.Invalid.self) {
            try WebhookSecrets.load(environment: ["WEBHOOK_SECRET_GARMIN": "plain-text"])
        }
    }

    @Test func theSecretsFileIsReadAndTheEnvironmentWins() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString).yaml")
        try """
            WHOOP_CLIENT_SECRET: [whoop-one, whoop-two]
            OURA_CLIENT_SECRET: from-file
            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let secrets = try WebhookSecrets.load(environment: ["BRIDGE_SECRETS_FILE": file.path, "OURA_CLIENT_SECRET": "from-environment"])
        #expect(secrets.whoopSecrets == [Array("whoop-one".utf8), Array("whoop-two".utf8)])
        #expect(secrets.ouraSecrets == [Array("from-environment".utf8)])
    }

    @Test func anUnknownKeyInTheSecretsFileIsRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString).yaml")
        try "OURA_SECRET: typo\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: WebhookSecrets.Invalid.self) { try WebhookSecrets.load(environment: ["BRIDGE_SECRETS_FILE": file.path]) }
    }
}
