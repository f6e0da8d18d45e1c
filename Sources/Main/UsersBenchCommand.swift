import Actors
import ArgumentParser
import BenchmarkHarness
import Foundation
import Logging

struct UsersBenchCommand: AsyncParsableCommand, ShowsOwnProgress {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Millions of distinct user ids through one processor: its memory under a flood of new users.",
        discussion: """
            Hosts librdkafka's mock cluster in-process and uses the configured PostgreSQL (DATABASE_URL or PG*; \
            a scratch database is created and dropped). A producer in the process sends one envelope for each of \
            --users new user ids, staying at most 50,000 records ahead of the processor, which decides them and \
            checkpoints every state. Reports the rate, the peak RSS of the whole process (sampled every second) \
            and the RSS after each tenth of the users: it levels off once --max-resident-users states are held. \
            PostgreSQL ends up with one row per user (about 0.5 KB each). Build with -c release.
            """)

    @Option(help: "Distinct user ids, one envelope each.")
    var users: Int = 10_000_000

    @Option(help: "Decide shards (default: one per core).")
    var shards: Int = ProcessorSettings.defaultShards

    @Option(help: "User states kept in memory at most, as `serve --max-resident-users`.")
    var maxResidentUsers: Int = 250_000

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard (1_000...100_000_000).contains(users) else { throw ValidationError("--users must be between 1,000 and 100,000,000") }
        guard (1...256).contains(shards) else { throw ValidationError("--shards must be between 1 and 256") }
        guard (1_000...100_000_000).contains(maxResidentUsers) else {
            throw ValidationError("--max-resident-users must be between 1,000 and 100,000,000")
        }
    }

    func run() async throws {
        var options = DistinctUsersBenchmark.Options(database: try PostgresSettings.fromEnvironment())
        options.users = users
        options.shards = shards
        options.residentBudget = maxResidentUsers
        let result = try await DistinctUsersBenchmark(options: options, logger: Logger(label: "auren.bench"),
                                                      progress: BenchReport.progress(json: json)).run()
        if json { return try BenchReport.printJSON(result) }
        let tenths = result.residentMegabytesByTenth.map { String(format: "%.0f", $0) }.joined(separator: " · ")
        print(String(format: """
            bench users: %d distinct user ids, %d shards, at most %d states in memory
              processor          %10.0f events/s  (%.0f s, %d checkpoints)
              peak RSS           %10.0f MiB  (whole process, sampled every second)
              RSS by tenth       %@ MiB
              states at the end  %10d in memory, %d evicted
            """, result.users, result.shards, result.residentBudget, result.eventsPerSecond, result.seconds, result.checkpoints,
            result.peakResidentMegabytes, tenths, result.residentStates, result.evictedStates))
    }
}
