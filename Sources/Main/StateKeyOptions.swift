import Actors
import ArgumentParser
import Foundation
import Logging

/// Where the AES-256 keys for data at rest come from: `BRIDGE_STATE_KEYS`,
/// or — only when asked for by name — the development key in the source,
/// which anyone can read and so protects nothing.
struct StateKeyOptions: ParsableArguments {
    @Flag(help: "Encrypt with the built-in development key when BRIDGE_STATE_KEYS is not set. For tests and local trials only: the key is public.")
    var insecureDevelopmentKey = false

    func cipher(_ environment: [String: String], logger: Logger) throws -> StateCipher {
        do {
            return try StateCipher.fromEnvironment(environment, allowingDevelopmentKey: insecureDevelopmentKey, logger: logger)
        } catch let failure as StateCipher.Failure {
            throw ValidationError(failure.description)
        }
    }
}
