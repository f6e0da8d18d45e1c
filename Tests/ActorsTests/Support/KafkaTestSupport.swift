import Actors
import Foundation
import Synchronization
import Testing

/// Settings that make group changes quick enough for tests.
enum KafkaTestSupport {
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func consumerConfiguration(_ bootstrapServers: String, group: String, topics: [String]) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: group, topics: topics)
        configuration.sessionTimeout = .seconds(6)
        configuration.heartbeatInterval = .milliseconds(300)
        configuration.additionalProperties["topic.metadata.refresh.interval.ms"] = "1000"
        return configuration
    }

    /// Waits until `listener` has been handed every record the brokers hold
    /// in `topic` now: an exact end, so no wait is needed to see that
    /// nothing more (a duplicate) comes.
    static func readToEnd(_ listener: RecordingListener, topic: String, bootstrapServers: String, timeout: Duration = .seconds(60)) async throws {
        let ends = try await KafkaAdmin(bootstrapServers: bootstrapServers).watermarks(topic: topic).filter { $0.value.high > $0.value.low }
        try await eventually("every record of \(topic)", timeout: timeout) {
            let read = listener.offsetStore.offsets(for: Array(ends.keys))
            return ends.allSatisfy { partition, marks in (read[partition] ?? 0) >= marks.high }
        }
    }

    static func producer(_ bootstrapServers: String) throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        configuration.deliveryTimeout = .seconds(30)
        return try KafkaProducer(configuration: configuration)
    }

    /// Produces `count` records keyed `user-<i % keys>` with a per-key sequence
    /// number in the value and a header, and waits for every acknowledgement.
    static func produceKeyed(_ producer: KafkaProducer, topic: String, count: Int, keys: Int) async throws -> [KafkaDeliveryReport] {
        let deliveries = DeliveryCollector()
        for index in 0..<count {
            let key = "user-\(index % keys)"
            let sequence = index / keys
            let record = KafkaProducerRecord(
                topic: topic, key: key, value: Array("\(key):\(sequence)".utf8),
                headers: [KafkaHeader(name: "sequence", value: String(sequence)), KafkaHeader(name: "provider", value: "oura")])
            try await producer.enqueue(record) { deliveries.add($0) }
        }
        return try await deliveries.waitFor(count)
    }
}

/// Collects delivery reports as they arrive on the producer's thread.
final class DeliveryCollector: Sendable {
    private let results = Mutex<[Result<KafkaDeliveryReport, KafkaError>]>([])

    func add(_ result: Result<KafkaDeliveryReport, KafkaError>) { results.withLock { $0.append(result) } }

    /// Waits for `count` reports; throws the first failure.
    func waitFor(_ count: Int, timeout: Duration = .seconds(60)) async throws -> [KafkaDeliveryReport] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while results.withLock({ $0.count }) < count, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let all = results.withLock { $0 }
        guard all.count == count else {
            throw KafkaError(code: KafkaError.timedOut, message: "\(all.count) of \(count) delivery reports after \(timeout)")
        }
        return try all.map { try $0.get() }
    }
}
