import Actors
import ArgumentParser
import BenchmarkHarness
import Foundation
import Logging

struct TransitionsBenchCommand: AsyncParsableCommand, ShowsOwnProgress {
    static let configuration = CommandConfiguration(
        commandName: "transitions",
        abstract: "The agent API's lookups (current mode, transitions) against millions of stored switches.",
        discussion: """
            Uses the configured PostgreSQL (DATABASE_URL or PG*; a scratch database is created, filled by \
            PostgreSQL itself, and dropped — about 0.5 KB a row on disk while it runs). Reports, for random users, \
            the database time (planning + execution, from EXPLAIN ANALYZE) of the exact queries behind \
            GET /v1/users/{id}/mode and /transitions, the current-mode round trip as the ingress makes it, and, as \
            the baseline, the current-mode query without its index.
            """)

    @Option(help: "Rows of mode_transitions.")
    var rows: Int = 10_000_000

    @Option(help: "Switches of each user (users = rows / this).")
    var switchesPerUser: Int = 50

    @Option(help: "Lookups of each kind.")
    var lookups: Int = 2_000

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard (1_000...200_000_000).contains(rows) else { throw ValidationError("--rows must be between 1,000 and 200,000,000") }
        guard (1...10_000).contains(switchesPerUser) else { throw ValidationError("--switches-per-user must be between 1 and 10,000") }
        guard (10...1_000_000).contains(lookups) else { throw ValidationError("--lookups must be between 10 and 1,000,000") }
    }

    func run() async throws {
        var options = TransitionLookupBenchmark.Options(database: try PostgresSettings.fromEnvironment())
        options.rows = rows
        options.switchesPerUser = switchesPerUser
        options.lookups = lookups
        let result = try await TransitionLookupBenchmark(options: options, logger: Logger(label: "auren.bench"),
                                                         progress: BenchReport.progress(json: json)).run()
        if json { return try BenchReport.printJSON(result) }
        func line(_ name: String, _ figures: TransitionLookupBenchmark.Percentiles) -> String {
            String(format: "  %@ p50 %7.3f ms   p99 %7.3f ms   max %7.3f ms", name.padding(toLength: 30, withPad: " ", startingAt: 0),
                   figures.p50, figures.p99, figures.max)
        }
        print(String(format: "bench transitions: %d rows, %d users, %d lookups each (filled in %.0f s; table %.0f MiB, index %.0f MiB)",
                     result.rows, result.users, result.lookups, result.fillSeconds, result.tableMegabytes, result.indexMegabytes))
        print(line("mode, database time", result.modeDatabase))
        print(line("transitions, database time", result.transitionsDatabase))
        print(line("transitions since a day", result.transitionsSinceDatabase))
        print(line("mode, round trip", result.modeRoundTrip))
        print(String(format: "  baseline: mode without the index  %.1f ms (median of 5)", result.modeWithoutIndexMilliseconds))
    }
}
