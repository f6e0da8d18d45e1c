import Actors
import Foundation
import Logging
import Pipeline
import Workbench

/// `bench members`: one processor process against two on the same machine —
/// what a second container per host buys. Each member is `serve --role
/// processor` pinned to its share of the partitions, as a container of one
/// partition group is deployed; the mock broker and the producers
/// run in a `kafka-mock` process pinned to the last core (`ExternalLoad`).
/// Every run starts from nothing: its own broker, its own scratch database.
/// The members' figures come from their `/metrics` pages.
public struct MembersBenchmark: Sendable {
    public struct Options: Sendable {
        public var events = 600_000
        public var users = 2_000
        public var workload = SyntheticEnvelopes.Workload.mixed
        public var memberCounts = [1, 2]
        public var latencySeconds = 10.0
        /// Events/s of the latency runs; nil: half what the first member count measured.
        public var latencyRate: Double?
        public var database: PostgresSettings

        public init(database: PostgresSettings) {
            self.database = database
        }
    }

    public struct Run: Sendable, Codable {
        public var members: Int
        /// Records decided per second across the members, from the first one
        /// decided to the last (their `/metrics` counters, read every 100 ms).
        public var eventsPerSecond: Double
        /// Busy cores of the member processes together meanwhile.
        public var throughputCores: Double
        public var latencyRate: Double
        public var latencyEvents: Int
        /// Append → decision, from the members' `auren_record_latency_seconds`
        /// buckets merged, interpolated inside a bucket as Prometheus does.
        public var latencyP50Milliseconds: Double
        public var latencyP99Milliseconds: Double
        public var latencyCores: Double
        public var latencyHarnessCores: Double
    }

    /// Two members in one group share a backlog; the second is killed a
    /// quarter of the way in and the first takes its partitions over from
    /// the second's last checkpoint.
    public struct Takeover: Sendable, Codable {
        public var records: Int
        /// Static membership: the group gives a stopped member's partitions
        /// away only after its session timeout, so a member restarted within
        /// it gets them back without a rebalance.
        public var sessionTimeoutSeconds: Int
        /// SIGKILL to the second member until the first owns every partition.
        public var ownedAfterSeconds: Double
        /// From then until the first member's count grew again: fetching the
        /// taken-over partitions restarted (within 100 ms).
        public var firstRecordAfterSeconds: Double?
        /// From owning them until the first member decides at 90 % of its
        /// full rate (over half a second), loading the taken-over users'
        /// states on the way; nil when the backlog ran out first.
        public var fullRateAfterSeconds: Double?
        /// Its rate over the last second of the backlog, everything loaded.
        public var fullRate: Double
    }

    public struct Result: Sendable, Codable {
        public var events: Int
        public var users: Int
        public var workload: SyntheticEnvelopes.Workload
        public var partitions: Int
        public var latencyPartitions: Int
        public var loadPlacement: String
        public var runs: [Run]
        public var takeover: Takeover
    }

    let options: Options
    let logger: Logger
    let progress: @Sendable (String) -> Void

    public init(options: Options, logger: Logger, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    private static let group = "bench-members"
    /// As `bench pipeline`'s latency run, for the same reason (see `PipelineBenchmark.pacedTopic`).
    private static let latencyPartitions: Int32 = PipelineBenchmark.defaultPacedPartitions
    private static let warmUpSeconds = 1.0
    private static let warmUpSlowdown = 4.0
    /// While latency is measured, the members' pages are read this seldom:
    /// each read costs a member an HTTP request and a page of text.
    private static let quietPolling = Duration.milliseconds(100)

    public func run() async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-members-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            let result = try await run(in: directory)
            try? FileManager.default.removeItem(at: directory)
            return result
        } catch {
            // Kept, for the members' logs.
            throw Failed(description: "\(error) (the members' logs are in \(directory.path))")
        }
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    private func run(in directory: URL) async throws -> Result {
        // Checkpoints every second, as `bench pipeline`'s processor writes them.
        let thresholds = directory.appendingPathComponent("thresholds.yaml")
        try "checkpoint:\n  interval_seconds: 1\n".write(to: thresholds, atomically: true, encoding: .utf8)
        let partitions = PipelineBenchmark.partitions(holding: options.events)
        var throughputs: [(members: Int, eventsPerSecond: Double, cores: Double)] = []
        var placement = ""
        for members in options.memberCounts {
            progress("throughput: \(members) member(s) deciding \(options.events) envelopes on \(partitions) partitions")
            let (loadPlacement, measured) = try await withMembers(
                members, partitions: partitions, backlog: 0..<options.events, thresholds: thresholds, directory: directory
            ) { load, processes, _ in
                (load.placement, try await measureThroughput(processes))
            }
            placement = loadPlacement
            progress(String(format: "throughput: %d member(s): %.0f events/s, %.2f cores", members, measured.eventsPerSecond, measured.cores))
            throughputs.append((members, measured.eventsPerSecond, measured.cores))
        }
        let rate = options.latencyRate ?? throughputs[0].eventsPerSecond / 2
        var runs: [Run] = []
        for (members, eventsPerSecond, cores) in throughputs {
            progress(String(format: "latency: %d member(s) at %.0f events/s for %.0f s on %d partitions", members, rate, options.latencySeconds,
                            Self.latencyPartitions))
            let latency = try await withMembers(members, partitions: Self.latencyPartitions, thresholds: thresholds, directory: directory) { load, processes, _ in
                try await measureLatency(load, processes, rate: rate)
            }
            runs.append(Run(
                members: members, eventsPerSecond: eventsPerSecond, throughputCores: cores, latencyRate: rate,
                latencyEvents: Int(latency.histogram.count),
                latencyP50Milliseconds: (latency.histogram.quantile(0.5) ?? 0) * 1000,
                latencyP99Milliseconds: (latency.histogram.quantile(0.99) ?? 0) * 1000,
                latencyCores: latency.cores, latencyHarnessCores: latency.harnessCores))
        }
        let takeoverRecords = 2 * options.events
        let takeoverPartitions = PipelineBenchmark.partitions(holding: takeoverRecords)
        progress("takeover: 2 members in one group on \(takeoverRecords) envelopes; the second killed a quarter of the way in")
        let takeover = try await withMembers(
            2, partitions: takeoverPartitions, pinned: false, backlog: 0..<takeoverRecords, thresholds: thresholds, directory: directory
        ) { _, processes, database in
            try await measureTakeover(processes, database: database, records: takeoverRecords, partitions: takeoverPartitions)
        }
        return Result(events: options.events, users: options.users, workload: options.workload, partitions: Int(partitions),
                      latencyPartitions: Int(Self.latencyPartitions), loadPlacement: placement, runs: runs, takeover: takeover)
    }

    /// Seconds without a heartbeat before the group gives a member's partitions away, in the takeover run.
    private static let takeoverSessionTimeout = 3

    /// A fresh broker with the events topic on `partitions` holding
    /// `backlog`, a fresh scratch database, and `count` members, each pinned
    /// to its share of the partitions as a container of one partition group
    /// is (no rebalance while they start), or else one group that shares
    /// them out; all stopped after `body`.
    private func withMembers<T: Sendable>(
        _ count: Int, partitions: Int32, pinned: Bool = true, backlog: Range<Int> = 0..<0, thresholds: URL, directory: URL,
        _ body: @escaping @Sendable (ExternalLoad, [MemberProcess], PostgresSettings) async throws -> T
    ) async throws -> T {
        let topics = Topics()
        let load = try await ExternalLoad.start(
            envelopes: SyntheticEnvelopes(users: options.users, workload: options.workload),
            topics: [KafkaTopicSpecification(name: topics.events, partitions: partitions),
                     KafkaTopicSpecification(name: topics.switches, partitions: 4),
                     KafkaTopicSpecification(name: topics.deadLetters, partitions: 2)])
        do {
            if !backlog.isEmpty { try await load.append(backlog, topic: topics.events) }
            let result = try await BenchProcessor.withMigratedDatabase(on: options.database, prefix: "auren_bench", logger: logger) { database in
                let members = try (0..<count).map { index in
                    let share = Int32(index) * partitions / Int32(count)..<Int32(index + 1) * partitions / Int32(count)
                    let membership = pinned ? ["--partitions", "\(share.lowerBound)-\(share.upperBound - 1)"]
                        : ["--session-timeout", "\(Self.takeoverSessionTimeout)"]
                    return try MemberProcess(
                        name: "bench-member-\(index + 1)", bootstrapServers: load.bootstrapServers, group: Self.group, arguments: membership,
                        database: database, thresholdsPath: thresholds.path,
                        kafkaProperties: ["fetch.wait.max.ms": "\(PipelineBenchmark.mockFetchWait.wholeMilliseconds)"], directory: directory)
                }
                do {
                    // A backlog is measured from the first record decided, so its members start on it at once.
                    if backlog.isEmpty {
                        try await BenchProcessor.waitUntil("\(count) member(s) owning all \(partitions) partitions", within: .seconds(60)) {
                            let owned = try await Self.scrape(members).map { $0.total("auren_owned_partitions") }
                            return owned.allSatisfy { $0 > 0 } && owned.reduce(0, +) == Double(partitions)
                        }
                    }
                    let result = try await body(load, members, database)
                    for member in members { try await member.stop() }
                    return result
                } catch {
                    for member in members { try? await member.stop() }
                    throw error
                }
            }
            await load.close()
            return result
        } catch {
            await load.close()
            throw error
        }
    }

    /// The members' pages; a member whose HTTP server is not up yet counts as an empty page.
    private static func scrape(_ members: [MemberProcess]) async throws -> [ScrapedMetrics] {
        var pages: [ScrapedMetrics] = []
        for member in members { pages.append(try await member.metrics() ?? ScrapedMetrics("")) }
        return pages
    }

    private static func decided(_ members: [MemberProcess]) async throws -> Int {
        Int(try await scrape(members).reduce(0) { $0 + $1.total("auren_kafka_messages_processed_total") })
    }

    /// The backlog decided per second from the first record to the last.
    private func measureThroughput(_ members: [MemberProcess]) async throws -> (eventsPerSecond: Double, cores: Double) {
        let events = options.events
        let clock = ContinuousClock()
        try await BenchProcessor.waitUntil("the members' first record", every: .milliseconds(10)) { try await Self.decided(members) > 0 }
        // Read every 10 ms until now, so the start is known within that.
        let started = clock.now
        let meters = members.map { $0.cpuMeter() }
        try await BenchProcessor.waitUntil("the members deciding all \(events) records", every: .milliseconds(100)) {
            try await Self.decided(members) >= events
        }
        let elapsed = clock.now - started
        return (Double(events) / elapsed.seconds, meters.reduce(0) { $0 + $1.cores })
    }

    /// A warm-up at a quarter of `rate`, then `latencySeconds` at `rate`: the
    /// members' latency buckets over the measured records alone.
    private func measureLatency(
        _ load: ExternalLoad, _ members: [MemberProcess], rate: Double
    ) async throws -> (histogram: ScrapedMetrics.Histogram, cores: Double, harnessCores: Double) {
        let topic = Topics().events
        let warmUp = 0..<Int(rate * Self.warmUpSeconds)
        let measured = warmUp.upperBound..<warmUp.upperBound + Int(rate * options.latencySeconds)
        try await load.pace(warmUp, topic: topic, rate: rate / Self.warmUpSlowdown)
        try await BenchProcessor.waitUntil("the warm-up's \(warmUp.count) records decided", every: Self.quietPolling) {
            try await Self.decided(members) >= warmUp.count
        }
        let name = "auren_record_latency_seconds"
        let before = try await Self.scrape(members).map { $0.histogram(name) }
        try await load.prepare(measured, topic: topic)
        let meters = members.map { $0.cpuMeter() }
        let harness = load.cpuMeter()
        try await load.pace(measured, topic: topic, rate: rate)
        try await BenchProcessor.waitUntil("all \(measured.upperBound) paced records decided", every: Self.quietPolling) {
            try await Self.decided(members) >= measured.upperBound
        }
        let cores = meters.reduce(0) { $0 + $1.cores }
        let harnessCores = harness?.cores ?? 0
        let after = try await Self.scrape(members).map { $0.histogram(name) }
        let histograms = zip(after, before).compactMap { after, before in after?.subtracting(before) }
        guard let first = histograms.first else { throw BenchProcessor.Stalled(description: "no member exported \(name)") }
        return (histograms.dropFirst().reduce(first) { $0.adding($1) }, cores, harnessCores)
    }

    /// The second member killed (SIGKILL: a stop would drain what its
    /// consumer has fetched, most of its share) once a quarter of the backlog
    /// is decided; the first member's decided count read every 100 ms until
    /// a checkpoint holds the whole backlog.
    private func measureTakeover(
        _ members: [MemberProcess], database: PostgresSettings, records: Int, partitions: Int32
    ) async throws -> Takeover {
        try await BenchProcessor.waitUntil("both members owning partitions, a quarter of \(records) records decided", every: .milliseconds(10)) {
            let pages = try await Self.scrape(members)
            return pages.allSatisfy { $0.total("auren_owned_partitions") > 0 }
                && pages.reduce(0) { $0 + $1.total("auren_kafka_messages_processed_total") } >= Double(records / 4)
        }
        let survivor = members[0]
        let clock = ContinuousClock()
        let stopped = clock.now
        try await members[1].kill()
        try await BenchProcessor.waitUntil("the first member owning all \(partitions) partitions", within: .seconds(60), every: .milliseconds(10)) {
            try await survivor.metrics()?.total("auren_owned_partitions") == Double(partitions)
        }
        let owned = clock.now
        let topic = Topics().events
        let samples = try await PostgresSession.with(database, logger: logger) { client in
            let store = CheckpointStore(client: client, group: Self.group, logger: logger)
            let all = (0..<partitions).map { KafkaTopicPartition(topic: topic, partition: $0) }
            var samples: [(seconds: Double, decided: Double)] = []
            while try await store.offsets(for: all).values.reduce(0, +) < Int64(records) {
                guard clock.now - owned < .seconds(300) else { throw BenchProcessor.Stalled(description: "the backlog not checkpointed 300 s after the takeover") }
                samples.append(((clock.now - owned).seconds, try await survivor.metrics()?.total("auren_kafka_messages_processed_total") ?? 0))
                try await Task.sleep(for: .milliseconds(100))
            }
            return samples
        }
        let timeline = TakeoverTimeline(samples)
        return Takeover(records: records, sessionTimeoutSeconds: Self.takeoverSessionTimeout, ownedAfterSeconds: (owned - stopped).seconds,
                        firstRecordAfterSeconds: samples.first { $0.decided > (samples.first?.decided ?? 0) }?.seconds,
                        fullRateAfterSeconds: timeline.fullRateAfter, fullRate: timeline.fullRate)
    }
}
