import Actors
import ArgumentParser
import BenchmarkHarness
import Foundation
import Logging
import Workbench

struct MembersBenchCommand: AsyncParsableCommand, ShowsOwnProgress {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "One processor process against two on this machine, each on its share of the partitions: what a second container per host buys.",
        discussion: """
            Each member is `serve --role processor` of this executable with its own HTTP port, pinned to its share of \
            the partitions (--partitions), as one container per partition group is deployed; the mock broker and the \
            producers run in a `kafka-mock` process pinned to the last core, and each run gets a fresh broker and a \
            fresh scratch database on the configured PostgreSQL (DATABASE_URL or PG*). Throughput: --events envelopes \
            are appended, then the members start on them; events/s from the first record decided to the last, read from \
            the members' /metrics every 100 ms. Latency: at the same rate for every member count (half what the first \
            count measured, or --latency-rate), from the members' auren_record_latency_seconds buckets, after a second's \
            warm-up at a quarter of the rate. Takeover: two members in one group (session timeout 3 s) share twice \
            --events envelopes; the second is killed (SIGKILL) a quarter of the way in, and the report gives the time \
            until the first owns its partitions, until it decides again, and until it decides at 90 % of its full rate \
            (its rate over the last second, every state loaded) over half a second. The members' logs are kept in a \
            temporary folder when a run fails, and the error names it. Build with -c release for meaningful figures.
            """)

    @Option(help: "Envelopes for each throughput run.")
    var events: Int = 600_000

    @Option(help: "Distinct users.")
    var users: Int = 2_000

    @Option(help: "How often users strain: 'mixed' or 'switch-heavy'.")
    var workload: SyntheticEnvelopes.Workload = .mixed

    @Option(help: ArgumentHelp("Member counts to compare, comma-separated (default: 1,2).", valueName: "counts"), transform: MembersBenchCommand.counts)
    var members: [Int] = [1, 2]

    @Option(help: "Seconds of paced load for each latency run.")
    var latencySeconds: Double = 10

    @Option(help: "Events/s of the latency runs (default: half what the first member count measured).")
    var latencyRate: Double?

    @Flag(help: "Print the result as JSON.")
    var json = false

    static func counts(_ argument: String) throws -> [Int] {
        let counts = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.count <= 8, counts.allSatisfy({ $0.map { (1...8).contains($0) } ?? false }) else {
            throw ValidationError("expected up to 8 comma-separated member counts between 1 and 8")
        }
        return counts.map { $0! }
    }

    func validate() throws {
        guard (1_000...10_000_000).contains(events) else { throw ValidationError("--events must be between 1,000 and 10,000,000") }
        guard (1...10_000_000).contains(users) else { throw ValidationError("--users must be between 1 and 10,000,000") }
        guard (1...600).contains(latencySeconds) else { throw ValidationError("--latency-seconds must be between 1 and 600") }
        if let latencyRate, !(100...10_000_000).contains(latencyRate) {
            throw ValidationError("--latency-rate must be between 100 and 10,000,000 events/s")
        }
    }

    func run() async throws {
        var options = MembersBenchmark.Options(database: try PostgresSettings.fromEnvironment())
        options.events = events
        options.users = users
        options.workload = workload
        options.memberCounts = members
        options.latencySeconds = latencySeconds
        options.latencyRate = latencyRate
        let result = try await MembersBenchmark(options: options, logger: Logger(label: "auren.bench"), progress: BenchReport.progress(json: json)).run()
        if json { return try BenchReport.printJSON(result) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print(String(format: "bench members: %d envelopes, %d users (%@), %d partitions (latency: %d); %@",
                     result.events, result.users, result.workload.rawValue, result.partitions, result.latencyPartitions, result.loadPlacement))
        for run in result.runs {
            print(String(format: """
                  %d member(s)     %10.0f events/s decided, %.2f of %d cores busy (members)
                                   latency at %.0f events/s (%d events): p50 %.1f ms, p99 %.1f ms; %.2f cores busy (members), %.2f (kafka-mock)
                """, run.members, run.eventsPerSecond, run.throughputCores, cores, run.latencyRate, run.latencyEvents,
                run.latencyP50Milliseconds, run.latencyP99Milliseconds, run.latencyCores, run.latencyHarnessCores))
        }
        let takeover = result.takeover
        print(String(format: """
              takeover         %10.2f s  until the first member owned the killed one's partitions (session timeout %d s)
                               %@ then to its next record decided, %@ to its full rate of %.0f events/s
                               (%d envelopes, the second member killed a quarter of the way in)
            """, takeover.ownedAfterSeconds, takeover.sessionTimeoutSeconds,
            takeover.firstRecordAfterSeconds.map { String(format: "%10.2f s", $0) } ?? "    none",
            takeover.fullRateAfterSeconds.map { String(format: "%.2f s", $0) } ?? "never back", takeover.fullRate, takeover.records))
    }
}
