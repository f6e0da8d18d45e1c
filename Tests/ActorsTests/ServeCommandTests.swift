import Foundation
import Testing

/// `biometric-bridge serve` and `accounts` as an operator starts them.
struct ServeCommandTests {
    /// PHI encrypted with a key that is in the source is not encrypted:
    /// without BRIDGE_STATE_KEYS the service refuses to start, before it
    /// connects to anything, unless the development key is asked for by name.
    @Test(arguments: [["serve", "--role", "processor"], ["serve", "--role", "ingress"], ["serve", "--role", "fetcher"], ["accounts", "list"]])
    func refusesToStartWithoutStateKeys(_ arguments: [String]) async throws {
        let run = try await BridgeCommand.run(arguments, environment: [
            "PATH": "/usr/bin:/bin", "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        ])
        #expect(run.status == 64, "\(run.errors)")
        #expect(run.errors.contains("BRIDGE_STATE_KEYS is not set"), "\(run.errors)")
        #expect(run.errors.contains("--insecure-development-key"), "\(run.errors)")
    }
}
