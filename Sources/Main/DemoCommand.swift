import Actors
import ArgumentParser
import Foundation
import Logging
import UnixSignals
import Workbench

struct DemoCommand: AsyncParsableCommand, ShowsOwnProgress {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The whole system on this machine: synthetic users posting signed webhooks through the real ingress, fetcher and processor.",
        discussion: """
            Hosts librdkafka's mock cluster in-process. PostgreSQL: a scratch database on DATABASE_URL (or the PG* \
            variables) when set, else a throw-away local cluster from Debian's binaries; either is removed on exit. \
            Simulated Oura and WHOOP clouds: each user first connects one of them through /connect and the OAuth2 \
            callback. Each user sends four simulated days — Apple Watch heart rate and HRV every 10 minutes, nightly \
            sleep stages, and a recovery each morning that the provider notifies and the fetcher fetches — with \
            scripted episodes: a stress spike (reflex), a poor-recovery \
            stretch (guardian), an anomaly (hypothesis), each followed by a return to pattern. Ends with a summary, \
            checks (nothing lost, nothing applied twice, every scripted switch made) and an HTML report; exits 1 if a \
            check fails. Ctrl-C stops cleanly.
            """)

    @Option(help: "Simulated users.")
    var users: Int = 20

    @Option(help: "Wall-clock minutes the simulation runs.")
    var minutes: Double = 1

    @Option(help: "Simulated seconds per real second (default: the four scripted days fit in --minutes).")
    var speed: Double?

    @Option(help: "Where to write the HTML report.")
    var report: String = "demo-report.html"

    func validate() throws {
        guard (1...10_000).contains(users) else { throw ValidationError("--users must be between 1 and 10000") }
        guard minutes > 0, minutes <= 60 else { throw ValidationError("--minutes must be more than 0 and at most 60") }
        if let speed, speed < 1 { throw ValidationError("--speed must be at least 1") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let logger = Logger(label: "auren.demo")
        var options = DemoRunner.Options()
        options.users = users
        options.minutes = minutes
        options.speed = speed
        if environment["DATABASE_URL"] != nil || environment["PGHOST"] != nil {
            options.database = try PostgresSettings.fromEnvironment(environment)
        }
        let progress = DemoProgress()
        let demo = Task { [options, logger] in try await DemoRunner(options: options, logger: logger, progress: progress).run() }
        let interrupt = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                progress.note("stopping: draining the pipeline and removing the PostgreSQL cluster …")
                demo.cancel()
                return
            }
        }
        defer { interrupt.cancel() }
        let result: DemoResult
        do {
            result = try await demo.value
        } catch where demo.isCancelled {
            progress.note("stopped before the end; nothing is left behind")
            throw ExitCode(130)
        }
        // Not atomically: that writes a new file and renames it over the path,
        // so `--report /dev/null` replaced the device with a regular file.
        try DemoReport.html(result).write(toFile: report, atomically: false, encoding: .utf8)
        print(DemoReport.summary(result, reportPath: report))
        if !result.passed { throw ExitCode(1) }
    }
}
