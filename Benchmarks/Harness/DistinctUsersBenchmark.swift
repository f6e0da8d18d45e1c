import Actors
import Foundation
import Logging
import Pipeline
import Workbench

/// `bench users`: one processor fed a new user id with every envelope, by a
/// producer that keeps producing while the processor consumes — the hostile
/// load of a flood of made-up ids. What it shows is memory: user states live
/// under the resident budget, so the process's RSS levels off however many
/// users go by.
public struct DistinctUsersBenchmark: Sendable {
    public struct Options: Sendable {
        public var users = 10_000_000
        public var shards = 2 * ProcessInfo.processInfo.activeProcessorCount
        public var residentBudget = 250_000
        public var database: PostgresSettings

        public init(database: PostgresSettings) {
            self.database = database
        }
    }

    public struct Result: Sendable, Codable {
        public var users: Int
        public var shards: Int
        public var residentBudget: Int
        public var seconds: Double
        public var eventsPerSecond: Double
        /// The highest RSS sampled (once a second) while users went by.
        public var peakResidentMegabytes: Double
        /// RSS after each further tenth of the users: flat once the budget is full.
        public var residentMegabytesByTenth: [Double]
        /// States in memory when the last envelope was decided.
        public var residentStates: Int
        public var evictedStates: Int
        public var checkpoints: Int
    }

    let options: Options
    let logger: Logger
    let progress: @Sendable (String) -> Void

    public init(options: Options, logger: Logger, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    static let topic = Topics().events
    /// The mock keeps ~5 MB per partition: the producer stays at most this
    /// many records ahead of the processor, a fraction of what 16 partitions keep.
    static let lead = 50_000
    static let partitions: Int32 = 16

    public func run() async throws -> Result {
        let users = options.users
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic(KafkaTopicSpecification(name: Self.topic, partitions: Self.partitions))
        try cluster.createTopic(KafkaTopicSpecification(name: Topics().switches, partitions: 4))
        try cluster.createTopic(KafkaTopicSpecification(name: Topics().deadLetters, partitions: 2))
        // As many users as envelopes: envelope i is user i's first.
        let envelopes = SyntheticEnvelopes(users: users)
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        producerConfiguration.linger = .milliseconds(5)
        let producer = try KafkaProducer(configuration: producerConfiguration)

        var settings = ProcessorSettings(bootstrapServers: cluster.bootstrapServers, shards: options.shards)
        settings.group = "bench-users"
        settings.maxResidentUsers = options.residentBudget
        settings.fetchWait = .milliseconds(1)
        let processorSettings = settings
        let cipher = try StateCipher.fromEnvironment(allowingDevelopmentKey: true, logger: logger)
        let result = try await BenchProcessor.withMigratedDatabase(on: options.database, prefix: "auren_bench_users", logger: logger) { database in
            progress("\(users) envelopes, each for a user not seen before, produced while one processor (\(options.shards) shards, at most \(options.residentBudget) states in memory) consumes them")
            return try await BenchProcessor.with(processorSettings, database: database, cipher: cipher, logger: logger) { statistics, _ in
                try await BenchProcessor.waitUntil("the processor owning its \(Self.partitions) partitions") {
                    statistics.snapshot.ownedPartitions == Self.partitions
                }
                let memory = MemoryWatch(users: users, statistics: statistics, progress: progress)
                let clock = ContinuousClock()
                let started = clock.now
                let watching = Task { await memory.watch() }
                defer { watching.cancel() }
                for index in 0..<users {
                    if index % 1_000 == 0 {
                        try await BenchProcessor.waitUntil("the processor deciding records (\(statistics.snapshot.consumed) of \(index) so far)",
                                                           every: .milliseconds(1)) {
                            index - statistics.snapshot.consumed < Self.lead
                        }
                    }
                    try await producer.enqueue(envelopes.record(index, topic: Self.topic)) { _ in }
                }
                try await producer.flush(timeout: .seconds(60))
                try await BenchProcessor.waitUntil("the processor deciding all \(users) records (\(statistics.snapshot.consumed) so far)") {
                    statistics.snapshot.consumed >= users
                }
                let seconds = (clock.now - started).seconds
                memory.sample()
                let totals = statistics.snapshot
                return Result(
                    users: users, shards: options.shards, residentBudget: options.residentBudget, seconds: seconds,
                    eventsPerSecond: Double(users) / seconds, peakResidentMegabytes: memory.peakMegabytes,
                    residentMegabytesByTenth: memory.megabytesByTenth, residentStates: totals.activeUsers, evictedStates: totals.evictedUsers,
                    checkpoints: totals.checkpoints)
            }
        }
        await producer.close()
        withExtendedLifetime(cluster) {}
        return result
    }
}
