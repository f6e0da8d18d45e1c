/// The bridge's topics as a deployment creates them, and what `topics
/// check` holds a cluster to. Pure: the Admin API calls are the command's.
public struct TopicLayout: Sendable {
    public var topics = Topics()
    /// Partitions of the keyed topics: the most processor containers (partition
    /// groups) and fetchers that can share the work.
    public var partitions: Int32 = 12
    public var replicationFactor: Int32 = 3

    public init() {}

    static let week = "604800000"
    /// Dead letters wait for an operator to read and redrive them.
    static let month = "2592000000"

    public var specifications: [KafkaTopicSpecification] {
        // A record is acknowledged once it is on this many replicas; one broker may be down.
        let durable = ["min.insync.replicas": String(max(1, min(2, replicationFactor - 1))), "cleanup.policy": "delete"]
        return [
            KafkaTopicSpecification(name: topics.events, partitions: partitions, replicationFactor: replicationFactor,
                                    configs: durable.merging(["retention.ms": Self.week]) { $1 }),
            KafkaTopicSpecification(name: topics.notifications, partitions: partitions, replicationFactor: replicationFactor,
                                    configs: durable.merging(["retention.ms": Self.week]) { $1 }),
            KafkaTopicSpecification(name: topics.switches, partitions: partitions, replicationFactor: replicationFactor,
                                    configs: durable.merging(["retention.ms": Self.week]) { $1 }),
            KafkaTopicSpecification(name: topics.deadLetters, partitions: max(1, partitions / 4), replicationFactor: replicationFactor,
                                    configs: durable.merging(["retention.ms": Self.month]) { $1 }),
        ]
    }

    /// One line of `topics check`.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public let topic: String
        public let problem: String?
        public let detail: String

        public var description: String { "\(problem == nil ? "ok  " : "FAIL") \(topic): \(problem ?? detail)" }
    }

    /// Every topic of the layout against what the cluster reports. The
    /// events and notifications topics must have exactly the layout's
    /// partitions: processors are pinned to partition numbers and users are
    /// spread by them, so more or fewer move users between containers.
    public func check(_ shapes: [String: KafkaAdmin.TopicShape]) -> [Finding] {
        specifications.map { expected in
            guard let shape = shapes[expected.name] else {
                return Finding(topic: expected.name, problem: "missing (biometric-bridge topics create makes it)", detail: "")
            }
            let detail = "\(shape.partitions) partitions, replication factor \(shape.replicationFactor)"
            let keyed = expected.name == topics.events || expected.name == topics.notifications
            if keyed ? shape.partitions != Int(expected.partitions) : shape.partitions < Int(expected.partitions) {
                return Finding(topic: expected.name, problem: "\(shape.partitions) partitions, expected \(keyed ? "" : "at least ")\(expected.partitions)", detail: detail)
            }
            if shape.replicationFactor < Int(expected.replicationFactor) {
                return Finding(topic: expected.name, problem: "replication factor \(shape.replicationFactor), expected \(expected.replicationFactor)", detail: detail)
            }
            return Finding(topic: expected.name, problem: nil, detail: detail)
        }
    }
}
