import Foundation
import Yams

/// The secrets the ingress verifies requests with. Each entry may hold
/// several values so a secret can rotate: any of them matches. Values come from
/// the environment, or from the YAML file named by `BRIDGE_SECRETS_FILE` with
/// the same keys; the environment wins. Nothing here is ever printed.
public struct WebhookSecrets: Sendable, CustomStringConvertible {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public var ouraSecrets: [[UInt8]] = []
    public var ouraVerificationTokens: [[UInt8]] = []
    public var whoopSecrets: [[UInt8]] = []
    /// Standard Webhooks secrets by lower-case provider name, base64-decoded from `whsec_…`.
    public var standardSecrets: [String: [[UInt8]]] = [:]
    /// Bearer keys accepted on `/healthkit/batch` besides device signatures; empty = disabled.
    public var healthKitAPIKeys: [[UInt8]] = []
    /// Bearer keys of the agent API (`/v1/users/…`); empty = that API refuses everyone.
    public var agentAPIKeys: [[UInt8]] = []

    public init() {}

    public var description: String {
        let providers = standardSecrets.keys.sorted().joined(separator: ",")
        return "oura \(ouraSecrets.count) secret(s), whoop \(whoopSecrets.count), standard webhooks [\(providers)], "
            + "healthkit api keys \(healthKitAPIKeys.isEmpty ? "disabled" : "\(healthKitAPIKeys.count)"), "
            + "agent api keys \(agentAPIKeys.isEmpty ? "none" : "\(agentAPIKeys.count)")"
    }

    static let standardPrefix = "WEBHOOK_SECRET_"

    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) -> WebhookSecrets {
        var values: [String: String] = [:]
        if let path = environment["BRIDGE_SECRETS_FILE"], !path.isEmpty {
            values = try fileValues(path)
        }
        for (name, value) in environment where isSecretName(name) { values[name] = value }
        return try WebhookSecrets(values: values)
    }

    init(values: [String: String]) throws(Invalid) {
        for (name, value) in values {
            let entries = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            switch name {
            case "OURA_CLIENT_SECRET": ouraSecrets = entries.map { Array($0.utf8) }
            case "OURA_VERIFICATION_TOKEN": ouraVerificationTokens = entries.map { Array($0.utf8) }
            case "WHOOP_CLIENT_SECRET": whoopSecrets = entries.map { Array($0.utf8) }
            case "HEALTHKIT_API_KEYS": healthKitAPIKeys = entries.map { Array($0.utf8) }
            case "AGENT_API_KEYS": agentAPIKeys = entries.map { Array($0.utf8) }
            default:
                guard name.hasPrefix(Self.standardPrefix) else { throw Invalid(description: "unknown secret \(name)") }
                let provider = name.dropFirst(Self.standardPrefix.count).lowercased()
                guard !provider.isEmpty else { throw Invalid(description: "\(name) names no provider") }
                standardSecrets[provider] = try entries.map { entry throws(Invalid) in
                    guard let secret = StandardWebhookSecret.decode(entry) else {
                        throw Invalid(description: "\(name) must hold whsec_<base64> values")
                    }
                    return secret
                }
            }
        }
    }

    private static func isSecretName(_ name: String) -> Bool {
        ["OURA_CLIENT_SECRET", "OURA_VERIFICATION_TOKEN", "WHOOP_CLIENT_SECRET", "HEALTHKIT_API_KEYS", "AGENT_API_KEYS"].contains(name)
            || name.hasPrefix(standardPrefix)
    }

    private static func fileValues(_ path: String) throws(Invalid) -> [String: String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Invalid(description: "cannot read BRIDGE_SECRETS_FILE \(path): \(error.localizedDescription)")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw Invalid(description: "BRIDGE_SECRETS_FILE \(path) is not YAML")
        }
        guard let mapping = node?.mapping else { throw Invalid(description: "BRIDGE_SECRETS_FILE \(path) must be a mapping of names to secrets") }
        var values: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw Invalid(description: "BRIDGE_SECRETS_FILE \(path): keys must be names") }
            guard isSecretName(name) else { throw Invalid(description: "BRIDGE_SECRETS_FILE \(path): unknown secret \(name)") }
            if let list = value.sequence {
                values[name] = list.compactMap(\.string).joined(separator: ",")
            } else if let single = value.string {
                values[name] = single
            } else {
                throw Invalid(description: "BRIDGE_SECRETS_FILE \(path): \(name) must be a string or a list of strings")
            }
        }
        return values
    }
}
