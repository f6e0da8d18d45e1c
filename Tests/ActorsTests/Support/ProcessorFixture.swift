import Actors
import PostgresNIO
import Testing

/// What every processor test stands on: the mock cluster in a process of its
/// own, holding the bridge's topics, and a fresh database with the
/// migrations applied. Processors are started against both, as an operator
/// starts them.
struct ProcessorFixture: Sendable {
    let cluster: MockClusterProcess
    let database: PostgresSettings
    let client: PostgresClient

    var bootstrapServers: String { cluster.bootstrapServers }

    static func run(
        brokers: Int = 1, eventPartitions: Int = 16, _ body: @escaping @Sendable (ProcessorFixture) async throws -> Void
    ) async throws {
        let topics = Topics()
        let cluster = try MockClusterProcess(
            brokers: brokers,
            topics: ["\(topics.events):\(eventPartitions)", "\(topics.switches):4", "\(topics.deadLetters):2", "\(topics.notifications):4"])
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { database, client in
            try await body(ProcessorFixture(cluster: cluster, database: database, client: client))
        }
    }

    /// `serve --role processor` in a process of its own.
    func startProcessor(configPath: String? = nil, arguments: [String] = []) throws -> BridgeProcess {
        try BridgeProcess(bootstrapServers: bootstrapServers, database: database, configPath: configPath, arguments: arguments)
    }

    /// `serve --role <role>` with extra environment (provider settings).
    func start(role: String, environment: [String: String], arguments: [String] = []) throws -> BridgeProcess {
        try BridgeProcess(bootstrapServers: bootstrapServers, database: database, role: role, arguments: arguments, environment: environment)
    }

    /// Appends the workload's envelopes (all, or `range`); returns each partition's end.
    func produce(_ workload: EnvelopeWorkload, range: Range<Int>? = nil) async throws -> [KafkaTopicPartition: Int64] {
        if let range { return try await workload.produce(to: bootstrapServers, range: range) }
        return try await workload.produce(to: bootstrapServers)
    }

    /// Waits until the stored offsets reach `ends`: every record checkpointed.
    func waitUntilCheckpointed(_ ends: [KafkaTopicPartition: Int64], timeout: Duration = .seconds(240)) async throws {
        try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends, timeout: timeout)
    }

    /// Every record now in `topic`.
    func records(of topic: String) async throws -> [KafkaConsumerRecord] {
        try await ProcessorChecks.records(of: topic, bootstrapServers: bootstrapServers)
    }
}
