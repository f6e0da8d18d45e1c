/// A topic to create: name, partitions, replication and topic configs
/// (e.g. `retention.ms`, `cleanup.policy`).
public struct KafkaTopicSpecification: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    public var configs: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }

    /// Parses `NAME:PARTITIONS` (partitions default to 1), as the command line writes it.
    public init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty else { return nil }
        let partitions = parts.count == 2 ? Int32(parts[1]) : 1
        guard let partitions, partitions > 0 else { return nil }
        self.init(name: String(parts[0]), partitions: partitions)
    }
}
