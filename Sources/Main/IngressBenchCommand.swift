import Actors
import ArgumentParser
import BenchmarkHarness
import Foundation
import Logging

struct IngressBenchCommand: AsyncParsableCommand, ShowsOwnProgress {
    static let configuration = CommandConfiguration(
        commandName: "ingress",
        abstract: "Signed webhook requests against the real ingress on loopback, with GET /health as the ceiling.",
        discussion: """
            Hosts librdkafka's mock cluster in-process and uses the configured PostgreSQL (DATABASE_URL or PG*; \
            a scratch database is created and dropped) for the users' device keys. Every request is a HealthKit \
            batch signed with its user's device key or a canonical event signed with a Standard Webhooks secret, \
            answered 202 only after Kafka acknowledged its record. Reports requests/s and latency percentiles, \
            the /health rate over the same connections in the same run, and the ratio; fails if the topic does \
            not hold exactly one record per accepted request. Build with -c release for meaningful figures.
            """)

    @Option(help: "Signed requests to send.")
    var requests: Int = 50_000

    @Option(help: "Keep-alive connections, one request in flight on each.")
    var connections: Int = 64

    @Option(help: "Distinct users (each with a device key).")
    var users: Int = 200

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard requests >= 100 else { throw ValidationError("--requests must be at least 100") }
        guard (1...1024).contains(connections) else { throw ValidationError("--connections must be between 1 and 1024") }
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
    }

    func run() async throws {
        var options = IngressBenchmark.Options(database: try PostgresSettings.fromEnvironment())
        options.requests = requests
        options.connections = connections
        options.users = users
        let result = try await IngressBenchmark(options: options, logger: Logger(label: "auren.bench"), progress: BenchReport.progress(json: json)).run()
        if json { return try BenchReport.printJSON(result) }
        let others = result.otherAnswers.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", ")
        print(String(format: """
            bench ingress: %d signed requests, %d connections, %d users
              signed requests    %10.0f requests/s  (%d accepted, each acknowledged by Kafka%@)
              latency            p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms
              ceiling            %10.0f requests/s  (GET /health, same connections; p99 %.2f ms)
              ratio              %10.2f
              records in topic   %10d  (one per accepted request, warm-up included)
            """, result.requests, result.connections, result.users, result.requestsPerSecond, result.accepted,
            others.isEmpty ? "" : "; other answers: \(others)", result.latencyP50Milliseconds, result.latencyP99Milliseconds,
            result.latencyP999Milliseconds, result.healthRequestsPerSecond, result.healthLatencyP99Milliseconds, result.ratioToHealth,
            result.recordsInTopic))
    }
}
