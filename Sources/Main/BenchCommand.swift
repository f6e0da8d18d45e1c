import Actors
import ArgumentParser
import BenchmarkHarness
import Foundation
import Logging
import Workbench

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "The benchmark harness.",
        subcommands: [PipelineBenchCommand.self, MembersBenchCommand.self, IngressBenchCommand.self, UsersBenchCommand.self, TransitionsBenchCommand.self])
}

struct PipelineBenchCommand: AsyncParsableCommand, ShowsOwnProgress {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "The whole processor end to end against a bare consume+decode loop, in one run.",
        discussion: """
            Hosts librdkafka's mock cluster in-process and uses the configured PostgreSQL (DATABASE_URL or PG*; \
            a scratch database is created and dropped). Reports events/s and readings/s with checkpointing on, \
            the baseline rate and the ratio, end-to-end latency percentiles (Kafka append → decision) at 50000 \
            events/s, half the 100000 events/s target (--latency-rate half: half the measured rate), peak \
            resident memory, and what states cost: sealed bytes/s the checkpoints wrote, stored sizes per user \
            (p50/p99/max) and RSS growth per user in memory. The latency run is a new group member on a topic of 4 partitions (the mock broker's \
            fetch cost grows with partitions × producer batches), measured after a warm-up of 1 s of records at a \
            quarter of the rate. Between the two, the resume run: a processor restarted on the throughput run's \
            checkpoint with one more record per user waiting, so every user's state is loaded from PostgreSQL. \
            With --external-load the mock broker and the producers run in a `kafka-mock` process of their own, \
            pinned to the last core (taskset), so the processor's figures are its own. The latency run's \
            checkpoints are summed up from the stages' timeline (states, seal and write times, the share of \
            time one was in flight, and how long batches waited while one was and while none was); --timeline \
            writes the timeline itself. Build with -c release for meaningful figures.
            """)

    @Option(help: "Envelopes for the throughput run.")
    var events: Int = 200_000

    @Option(help: "Distinct users.")
    var users: Int = 2_000

    @Option(help: "How often users strain: 'mixed' (about one switch per 100 events) or 'switch-heavy' (about five per 100 events per user).")
    var workload: SyntheticEnvelopes.Workload = .mixed

    @Option(help: "Decide shards (default: one per core).")
    var shards: Int = ProcessorSettings.defaultShards

    @Option(help: "User states kept in memory at most, as `serve --max-resident-users`.")
    var maxResidentUsers: Int = 250_000

    @Option(help: "Seconds of paced load for the latency run.")
    var latencySeconds: Double = 10

    @Option(
        help: ArgumentHelp(
            "Events/s of the latency run: a number, or 'half' for half the measured rate (default: 50000, half the 100000 events/s target).",
            valueName: "events/s|half"),
        transform: PipelineBenchCommand.latencyRate)
    var latencyRate: PipelineBenchmark.LatencyRate = .halfOfTarget

    @Option(help: "Partitions of the latency run's topic (the mock's cost grows with their square, the records it keeps with their number).")
    var latencyPartitions: Int32 = PipelineBenchmark.defaultPacedPartitions

    @Flag(help: "Run the mock broker and the producers in a separate kafka-mock process, pinned to the last core.")
    var externalLoad = false

    @Option(help: ArgumentHelp(
        "Write the latency run's timeline here: each batch forwarded and decided, each checkpoint sent, sealed and written, as JSON lines.",
        valueName: "path"))
    var timeline: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    /// 'half', or events/s (at least 100).
    static func latencyRate(_ argument: String) throws -> PipelineBenchmark.LatencyRate {
        if argument == "half" { return .halfOfMeasured }
        guard let rate = Double(argument), rate.isFinite, rate >= 100 else {
            throw ValidationError("expected events/s (at least 100) or 'half'")
        }
        return .eventsPerSecond(rate)
    }

    func validate() throws {
        guard events >= 1_000 else { throw ValidationError("--events must be at least 1000") }
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
        guard (1...256).contains(shards) else { throw ValidationError("--shards must be between 1 and 256") }
        guard (1_000...100_000_000).contains(maxResidentUsers) else {
            throw ValidationError("--max-resident-users must be between 1,000 and 100,000,000")
        }
        guard users <= 10_000_000 else { throw ValidationError("--users must be at most 10,000,000") }
        guard (1...64).contains(latencyPartitions) else { throw ValidationError("--latency-partitions must be between 1 and 64") }
    }

    func run() async throws {
        var options = PipelineBenchmark.Options(database: try PostgresSettings.fromEnvironment())
        options.events = events
        options.users = users
        options.workload = workload
        options.shards = shards
        options.residentBudget = maxResidentUsers
        options.latencySeconds = latencySeconds
        options.latencyRate = latencyRate
        options.latencyPartitions = latencyPartitions
        options.externalLoad = externalLoad
        options.timelinePath = timeline
        let result = try await PipelineBenchmark(options: options, logger: Logger(label: "auren.bench"), progress: BenchReport.progress(json: json)).run()
        if json { return try BenchReport.printJSON(result) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let cycle = result.latencyCheckpointCycle
        print(String(format: """
            bench pipeline: %d envelopes, %d users (%@), %d shards; %@
              processor          %10.0f events/s  (%.0f readings/s) decided, checkpointing on: %d checkpoints, %d mode switches
                                            %.2f of %d cores busy (this process)
              durable after      %10.2f s  (until a checkpoint holds the last record)
              checkpoints wrote  %10d states, %.1f MB/s of sealed state
              stored state       p50 %d B, p99 %d B, max %d B  (sealed, per user)
              memory per user    %10.0f B  (RSS growth over the run / %d states in memory; %d evicted)
              resume             %10.2f s  to decide one more record of each of %d users after a restart on the checkpoint \
            (partitions owned after %.2f s, first decided after %.2f s; %.0f events/s from owning them)
              baseline           %10.0f events/s  (bare consume + decode of the same records)
              ratio              %10.2f
              latency at %.0f events/s (\(result.latencyRateBasis)) on %d partitions (%d events after the warm-up): p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms
                of which Kafka append → ingest: p50 %.1f ms, p99 %.1f ms
                %.2f of %d cores busy (this process%@)
                %d checkpoints meanwhile, %d states written (%.2f per event)
                checkpoints of %d states, sealed in %.1f ms per shard, written in %.1f ms (medians); one in flight %.0f %% of the time
                a decided batch's oldest record, p99: %@ while a checkpoint was in flight, %@ between
              latency floor      p50 %.1f ms, p99 %.1f ms  (bare consume + decode at the same rate)
                %.2f of %d cores busy (this process: the bare loop%@)
              peak RSS           %10.0f MiB  (this process, end of the throughput run)
            """, result.events, result.users, result.workload.rawValue, result.shards, result.loadPlacement, result.eventsPerSecond, result.readingsPerSecond, result.checkpoints,
            result.modeSwitches, result.throughputCores, cores, result.durableAfterSeconds,
            result.statesWritten, result.checkpointStateBytesPerSecond / 1_000_000,
            result.storedStateBytesP50, result.storedStateBytesP99, result.storedStateBytesMax,
            result.residentBytesPerUser, result.residentUsers, result.evictedUsers,
            result.resumeAllDecidedSeconds, result.resumeRecords, result.resumeAssignedSeconds, result.resumeFirstDecidedSeconds,
            result.resumeEventsPerSecond,
            result.baselineEventsPerSecond, result.ratioToBaseline,
            result.latencyRate, result.latencyPartitions, result.latencyEvents,
            result.latencyP50Milliseconds, result.latencyP99Milliseconds, result.latencyP999Milliseconds,
            result.arrivalP50Milliseconds, result.arrivalP99Milliseconds, result.latencyCores, cores,
            result.latencyHarnessCores.map { String(format: "; %.2f more in the kafka-mock process", $0) } ?? ": mock broker, producer, processor",
            result.latencyCheckpoints, result.latencyStatesWritten, Double(result.latencyStatesWritten) / Double(max(1, result.latencyEvents)),
            cycle.statesPerCheckpoint, cycle.sealMilliseconds, cycle.writeMilliseconds, cycle.inFlightShare * 100,
            Self.milliseconds(cycle.oldestAgeP99InFlightMilliseconds), Self.milliseconds(cycle.oldestAgeP99BetweenMilliseconds),
            result.baselineLatencyP50Milliseconds, result.baselineLatencyP99Milliseconds, result.baselineLatencyCores, cores,
            result.latencyHarnessCores == nil ? ", mock broker and producer" : "",
            result.peakResidentMegabytes))
    }

    /// "n/a" when no batch was decided at such a moment.
    private static func milliseconds(_ value: Double?) -> String {
        value.map { String(format: "%.1f ms", $0) } ?? "n/a"
    }
}

extension SyntheticEnvelopes.Workload: ExpressibleByArgument {}
