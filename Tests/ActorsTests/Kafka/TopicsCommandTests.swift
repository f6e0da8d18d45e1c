import Actors
import Testing

/// `biometric-bridge topics check` against a cluster, and the layout it holds topics to.
struct TopicsCommandTests {
    @Test func checkPassesOnlyForTheLayout() async throws {
        let cluster = try MockClusterProcess(
            brokers: 1, topics: ["biometric-events:8", "provider-notifications:8", "neuros-mode-switches:8", "biometric-events.dlq:2"])
        defer { cluster.stop() }
        let environment = ["KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrapServers, "PATH": "/usr/bin:/bin"]

        let fits = try await BridgeCommand.run(["topics", "check", "--partitions", "8", "--replication-factor", "1"], environment: environment)
        #expect(fits.status == 0, "\(fits.output)\(fits.errors)")
        #expect(fits.output.contains("ok   biometric-events: 8 partitions, replication factor 1"), "\(fits.output)")

        // Processors pinned to partitions 8-11 would wait for partitions the topic does not have.
        let differs = try await BridgeCommand.run(["topics", "check", "--partitions", "12", "--replication-factor", "1"], environment: environment)
        #expect(differs.status == 1)
        #expect(differs.output.contains("FAIL biometric-events: 8 partitions, expected 12"), "\(differs.output)")
        #expect(differs.output.contains("FAIL biometric-events.dlq: 2 partitions, expected at least 3"), "\(differs.output)")
    }

    @Test func layout() {
        var layout = TopicLayout()
        layout.partitions = 8
        layout.replicationFactor = 3
        let byName = Dictionary(uniqueKeysWithValues: layout.specifications.map { ($0.name, $0) })
        #expect(Set(byName.keys) == Set(Topics().all))
        #expect(byName["biometric-events"]?.configs["min.insync.replicas"] == "2")
        #expect(byName["biometric-events.dlq"]?.partitions == 2)
        let shapes = Dictionary(uniqueKeysWithValues: layout.specifications.map {
            ($0.name, KafkaAdmin.TopicShape(partitions: Int($0.partitions), replicationFactor: 2))
        })
        #expect(layout.check(shapes).allSatisfy { $0.problem?.contains("replication factor 2, expected 3") == true })
    }
}
