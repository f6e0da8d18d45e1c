import Actors
import Synchronization

/// `bench pipeline`'s records on their way into Kafka: a backlog appended
/// as fast as the broker takes it, or a paced stream. The same code serves
/// the bench's own process and a `kafka-mock` process the bench drives, so
/// the two ways of running it differ only in where this work runs.
public struct SyntheticLoad: Sendable {
    public let envelopes: SyntheticEnvelopes
    public let bootstrapServers: String
    /// Paced records are counted from their append, as the ingress sends
    /// them: with a short linger.
    private let pacedProducer: KafkaProducer
    /// Records built ahead by `prepare`, for the `pace` that follows.
    private let prepared = PreparedRecords()

    /// The backlog is written in large producer batches. A broker answers a
    /// fetch with up to a megabyte per partition whatever the batches; the
    /// mock answers with one batch, and walks the partition's batch list to
    /// find it, so small batches made it the bottleneck.
    static let backlogLinger = Duration.milliseconds(50)

    public init(envelopes: SyntheticEnvelopes, bootstrapServers: String) throws {
        self.envelopes = envelopes
        self.bootstrapServers = bootstrapServers
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        configuration.linger = .milliseconds(1)
        pacedProducer = try KafkaProducer(configuration: configuration)
    }

    /// Appends the envelopes `indices` to `topic` in large batches and waits until all are in.
    public func append(_ indices: Range<Int>, topic: String) async throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        configuration.linger = Self.backlogLinger
        let producer = try KafkaProducer(configuration: configuration)
        for index in indices { try await producer.enqueue(envelopes.record(index, topic: topic)) { _ in } }
        try await producer.flush(timeout: .seconds(300))
        await producer.close()
    }

    /// Builds the records of a later `pace` of the same envelopes now, so
    /// that a bench can start its CPU meters after the building (a million
    /// records take seconds) and count only the sending.
    public func prepare(_ indices: Range<Int>, topic: String) {
        prepared.keep(records(indices, topic: topic), of: indices, topic: topic)
    }

    /// Sends the envelopes `indices` to `topic` at `rate` per second and
    /// waits until all are in: every millisecond, the ones due by then (a
    /// timer per record would cost more than the sending).
    public func pace(_ indices: Range<Int>, topic: String, rate: Double) async throws {
        // Built before the clock starts, so only sending competes for the cores.
        let records = prepared.take(indices, topic: topic) ?? records(indices, topic: topic)
        let clock = ContinuousClock()
        let start = clock.now
        var next = 0
        while next < records.count {
            let due = min(records.count, Int((clock.now - start).seconds * rate) + 1)
            while next < due {
                try await pacedProducer.enqueue(records[next]) { _ in }
                next += 1
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        try await pacedProducer.flush(timeout: .seconds(60))
    }

    private func records(_ indices: Range<Int>, topic: String) -> [KafkaProducerRecord] {
        indices.map { envelopes.record($0, topic: topic) }
    }

    public func close() async {
        await pacedProducer.close()
    }
}

/// The records one `prepare` built, until the `pace` of the same envelopes takes them.
private final class PreparedRecords: Sendable {
    private struct Batch {
        let topic: String
        let indices: Range<Int>
        let records: [KafkaProducerRecord]
    }

    private let batch = Mutex<Batch?>(nil)

    func keep(_ records: [KafkaProducerRecord], of indices: Range<Int>, topic: String) {
        batch.withLock { $0 = Batch(topic: topic, indices: indices, records: records) }
    }

    /// The records kept for exactly these envelopes, once; anything else kept is dropped.
    func take(_ indices: Range<Int>, topic: String) -> [KafkaProducerRecord]? {
        batch.withLock { batch in
            defer { batch = nil }
            guard let prepared = batch, prepared.topic == topic, prepared.indices == indices else { return nil }
            return prepared.records
        }
    }
}
