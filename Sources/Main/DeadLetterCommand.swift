import Actors
import ArgumentParser
import Foundation
import Logging

/// The dead-letter topic, for operators.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Work with the dead-letter topic (biometric-events.dlq).",
        subcommands: [Redrive.self])

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead letters of a stage (and reason) back on the topic they came from.",
            discussion: """
                Reads the dead-letter topic to its current end and appends each matching record's original key, value \\
                and headers to its original topic (biometric-events or provider-notifications). Run it once the cause \\
                is gone, e.g. `--stage fetch --reason connection_revoked` after users reconnected. Re-driving the same \\
                letters twice is harmless: the processor recognises records it decided.
                """)

        @Option(help: "The stage that dead-lettered them: fetch, ingest, normalise, validate, checkpoint.")
        var stage: String
        @Option(help: "Only this reason code (e.g. connection_revoked, provider_unavailable).")
        var reason: String?
        @Option(help: "Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS).")
        var bootstrapServers: String?

        func run() async throws {
            guard let servers = bootstrapServers ?? ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty else {
                throw ValidationError("set --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS")
            }
            let summary = try await DeadLetterRedrive(bootstrapServers: servers, logger: Logger(label: "auren.dlq")).run(stage: stage, reason: reason)
            let targets = summary.redriven.sorted { $0.key < $1.key }.map { "\($0.value) to \($0.key)" }
            print("read \(summary.read) dead letters, \(summary.matched) of stage \(stage)\(reason.map { " and reason \($0)" } ?? ""): "
                  + "re-drove \(targets.isEmpty ? "none" : targets.joined(separator: ", "))"
                  + (summary.skipped > 0 ? "; \(summary.skipped) could not be (original value left out, or no original topic)" : ""))
        }
    }
}
