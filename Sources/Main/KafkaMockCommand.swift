import Actors
import ArgumentParser
import Foundation
import UnixSignals
import Workbench

struct KafkaMockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-mock",
        abstract: "Host librdkafka's mock Kafka cluster until SIGTERM or SIGINT.",
        discussion: """
            The first line printed is bootstrap.servers=HOST:PORT[,…]; other processes connect there over TCP. \
            With --synthetic-users it also sends `bench pipeline`'s envelopes as asked on standard input, one request \
            a line ('append TOPIC FIRST END', 'prepare TOPIC FIRST END' to build the records of the 'pace' that follows, \
            'pace TOPIC FIRST END EVENTS/S'), answering each with 'done' or 'failed: REASON', and stops when standard \
            input ends: `bench pipeline --external-load` runs it so.
            """)

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

    @Option(help: "Send the synthetic envelopes of this many users as standard input asks.")
    var syntheticUsers: Int?

    @Option(help: "The synthetic users' workload: 'mixed' or 'switch-heavy'.")
    var workload: SyntheticEnvelopes.Workload = .mixed

    func validate() throws {
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be between 1 and 16") }
        if let syntheticUsers, !(1...10_000_000).contains(syntheticUsers) {
            throw ValidationError("--synthetic-users must be between 1 and 10,000,000")
        }
    }

    func run() async throws {
        let cluster = try KafkaMockCluster(brokers: brokers)
        for topic in topics { try cluster.createTopic(topic) }
        // Other processes wait for this line; write it unbuffered.
        Self.say("bootstrap.servers=\(cluster.bootstrapServers)")
        let load = try syntheticUsers.map {
            try SyntheticLoad(envelopes: SyntheticEnvelopes(users: $0, workload: workload), bootstrapServers: cluster.bootstrapServers)
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { break } }
            if let load {
                group.addTask { await Self.serve(load) }
            }
            await group.next()
            group.cancelAll()
        }
        await load?.close()
        withExtendedLifetime(cluster) {}
    }

    /// Answers requests until standard input ends.
    private static func serve(_ load: SyntheticLoad) async {
        for await line in standardInputLines() {
            guard let request = SyntheticLoadRequest(line) else {
                say("\(SyntheticLoadRequest.failedPrefix)not a request: '\(line)'")
                continue
            }
            do {
                try await request.send(with: load)
                say(SyntheticLoadRequest.done)
            } catch {
                say("\(SyntheticLoadRequest.failedPrefix)\(error)")
            }
        }
    }

    /// Standard input's lines, read on a thread of their own: a blocking
    /// read has no place on the cooperative pool.
    private static func standardInputLines() -> AsyncStream<String> {
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        Thread.detachNewThread {
            while let line = readLine() { continuation.yield(line) }
            continuation.finish()
        }
        return lines
    }

    /// Other processes wait for these lines: written unbuffered.
    private static func say(_ line: String) {
        FileHandle.standardOutput.write(Data("\(line)\n".utf8))
    }
}
