import Actors
import Workbench

/// The mock cluster and producers in the bench's process, sharing its cores
/// with the processor.
struct InProcessLoad: LoadHarness {
    private let cluster: KafkaMockCluster
    private let load: SyntheticLoad

    init(envelopes: SyntheticEnvelopes, topics: [KafkaTopicSpecification]) throws {
        cluster = try KafkaMockCluster(brokers: 1)
        for topic in topics { try cluster.createTopic(topic) }
        load = try SyntheticLoad(envelopes: envelopes, bootstrapServers: cluster.bootstrapServers)
    }

    var bootstrapServers: String { cluster.bootstrapServers }

    var placement: String { "mock broker and producers in the bench's process" }

    func append(_ indices: Range<Int>, topic: String) async throws {
        try await load.append(indices, topic: topic)
    }

    func prepare(_ indices: Range<Int>, topic: String) async throws {
        load.prepare(indices, topic: topic)
    }

    func pace(_ indices: Range<Int>, topic: String, rate: Double) async throws {
        try await load.pace(indices, topic: topic, rate: rate)
    }

    func cpuMeter() -> CPUMeter? { nil }

    func close() async {
        await load.close()
        // Swift may release the cluster after its last use, before the
        // producer is gone: the producer's broker thread then logged
        // "Connection refused" while it reconnected to a closed port.
        withExtendedLifetime(cluster) {}
    }
}
