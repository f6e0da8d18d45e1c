import Actors
import ArgumentParser
import Foundation

/// The bridge's Kafka topics, for operators setting up a cluster.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create or verify the bridge's Kafka topics (\(Topics().all.joined(separator: ", "))).",
        subcommands: [Create.self, Check.self])

    struct Layout: ParsableArguments {
        @Option(help: "Partitions of the keyed topics (the dead-letter topic gets a quarter): at most one processor container each; never shrinks.")
        var partitions: Int32 = 12
        @Option(help: "Replicas of each partition.")
        var replicationFactor: Int32 = 3
        @Option(help: "Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS).")
        var bootstrapServers: String?
        @OptionGroup var kafka: KafkaPropertyOptions

        func validate() throws {
            guard (1...10_000).contains(partitions) else { throw ValidationError("--partitions must be between 1 and 10,000") }
            guard (1...16).contains(replicationFactor) else { throw ValidationError("--replication-factor must be between 1 and 16") }
        }

        var layout: TopicLayout {
            var layout = TopicLayout()
            layout.partitions = partitions
            layout.replicationFactor = replicationFactor
            return layout
        }

        func admin() throws -> KafkaAdmin {
            guard let servers = bootstrapServers ?? ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty else {
                throw ValidationError("set --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS")
            }
            return try KafkaAdmin(bootstrapServers: servers, additionalProperties: kafka.properties)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the topics that are missing, with their partitions, replication, retention and min.insync.replicas.",
            discussion: "Topics that exist are left as they are; `topics check` says whether they fit. Exits non-zero when Kafka refuses one.")

        @OptionGroup var layout: Layout

        func run() async throws {
            let admin = try layout.admin()
            let existing = try await admin.topicShapes()
            let missing = layout.layout.specifications.filter { existing[$0.name] == nil }
            try await admin.createTopics(missing)
            for topic in layout.layout.specifications {
                let settings = topic.configs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print(existing[topic.name] == nil
                      ? "created \(topic.name): \(topic.partitions) partitions, replication factor \(topic.replicationFactor), \(settings)"
                      : "exists  \(topic.name): left as it is")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify that every topic exists with the layout's partitions and at least its replication; exits 1 otherwise.")

        @OptionGroup var layout: Layout

        func run() async throws {
            let findings = layout.layout.check(try await layout.admin().topicShapes())
            findings.forEach { print($0) }
            if findings.contains(where: { $0.problem != nil }) { throw ExitCode(1) }
        }
    }
}
