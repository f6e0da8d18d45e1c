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

    /// A partition group that names partitions the topic does not have is
    /// refused at start, naming them, rather than leaving them unread.
    @Test func refusesPartitionsTheTopicDoesNotHave() async throws {
        try await ProcessorFixture.run(eventPartitions: 8) { fixture in
            let processor = try fixture.startProcessor(arguments: ["--partitions", "4-9"])
            try await eventually("the processor gave up", timeout: .seconds(60)) { !processor.isRunning }
            let status = await processor.terminate().status
            #expect(status != 0 && status != nil)
            #expect(processor.log.contains("--partitions 4-9 names partition 8, but biometric-events has only 8"), "\(processor.log.suffix(2_000))")
        }
    }

    @Test(arguments: [["--partitions", "3-1"], ["--instance-id", "pod 0"]])
    func refusesMalformedMembership(_ arguments: [String]) async throws {
        let run = try await BridgeCommand.run(["serve", "--role", "processor"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
        #expect(run.status == 64, "\(run.errors)")
        #expect(run.errors.contains(arguments[0]), "\(run.errors)")
    }
}
