import Actors
import ArgumentParser
import Foundation
import UnixSignals
import Workbench

struct KafkaMockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-mock",
        abstract: "Host librdkafka's mock Kafka cluster until SIGTERM or SIGINT.",
        discussion: "The first line printed is bootstrap.servers=HOST:PORT[,…]; other processes connect there over TCP.")

    @Option(help: "Number of mock brokers.")
    var brokers: Int = 3

    @Option(name: .customLong("topic"), help: "A topic to create, as NAME:PARTITIONS (repeatable).",
            transform: { argument in
                guard let topic = KafkaTopicSpecification(argument: argument) else {
                    throw ValidationError("--topic wants NAME:PARTITIONS with PARTITIONS ≥ 1, got '\(argument)'")
                }
                return topic
            })
    var topics: [KafkaTopicSpecification] = []

    func validate() throws {
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be between 1 and 16") }
    }

    func run() async throws {
        let cluster = try KafkaMockCluster(brokers: brokers)
        for topic in topics { try cluster.createTopic(topic) }
        // Other processes wait for this line; write it unbuffered.
        FileHandle.standardOutput.write(Data("bootstrap.servers=\(cluster.bootstrapServers)\n".utf8))
        for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { break }
        withExtendedLifetime(cluster) {}
    }
}
