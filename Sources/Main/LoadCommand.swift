import Actors
import ArgumentParser
import Foundation
import Logging
import Workbench

struct LoadCommand: AsyncParsableCommand, ShowsOwnProgress {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "The demo's scenario against a bridge running elsewhere (containers), with the demo's checks made from outside.",
        discussion: """
            Needs the bridge's PostgreSQL (DATABASE_URL or PG*), Kafka (KAFKA_BOOTSTRAP_SERVERS) and state keys \
            (BRIDGE_STATE_KEYS), to issue device keys and to check the outcome. Hosts simulated Oura and WHOOP clouds \
            and writes their apps' settings to --environment-file and the scenario's thresholds to --thresholds-file, \
            then waits for URL/ready: start the bridge's ingress and fetcher with that environment and every role with \
            those thresholds. At the end: every request answered, each accepted one a record, every record checkpointed, \
            the switches in PostgreSQL and on neuros-mode-switches exactly those `replay` decides for the topic's \
            envelopes, the scripted episodes as scripted. Exits 1 if a check fails.
            """)

    @Option(help: "The ingress: http://127.0.0.1:PORT.")
    var url: String

    @Option(help: "Simulated users.")
    var users: Int = 20

    @Option(help: "Wall-clock minutes the four simulated days take.")
    var minutes: Double = 1

    @Option(help: "Where to write the simulated providers' app settings (KEY=VALUE lines, for podman --env-file).")
    var environmentFile: String

    @Option(help: "Where to write the scenario's thresholds (the bridge's BRIDGE_CONFIG).")
    var thresholdsFile: String

    @Option(help: "The processors' consumer group.")
    var group: String = "biometric-bridge-processor"

    @OptionGroup var stateKeys: StateKeyOptions

    func validate() throws {
        guard (1...10_000).contains(users) else { throw ValidationError("--users must be between 1 and 10000") }
        guard minutes > 0, minutes <= 60 else { throw ValidationError("--minutes must be more than 0 and at most 60") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let logger = Logger(label: "auren.load")
        guard let servers = environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty else { throw ValidationError("set KAFKA_BOOTSTRAP_SERVERS") }
        var options = RemoteLoadRunner.Options(url: url, environmentFile: environmentFile, thresholdsFile: thresholdsFile)
        options.users = users
        options.minutes = minutes
        options.group = group
        let runner = RemoteLoadRunner(
            options: options, database: try PostgresSettings.fromEnvironment(environment), bootstrapServers: servers,
            cipher: try stateKeys.cipher(environment, logger: logger), logger: logger, progress: DemoProgress())
        let result = try await runner.run()
        print(DemoReport.loadSummary(result))
        if !result.passed { throw ExitCode(1) }
    }
}
