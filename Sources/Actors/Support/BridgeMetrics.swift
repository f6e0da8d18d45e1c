import Pipeline
import Prometheus
import Synchronization

/// The `auren_` metrics (docs/operations.md lists them), served as Prometheus text on `/metrics`.
/// Labels carry only fixed vocabularies (provider names, reason codes), never
/// free text or user ids.
public final class BridgeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    /// The per-source instruments every request touches, found once per source
    /// rather than through the registry's label lookup on each request.
    private struct SourceInstruments: Sendable {
        let accepted: Counter
        let duration: DurationHistogram
    }

    private let sources = Mutex<[String: SourceInstruments]>([:])
    /// The processor's counts as last exported, so counters grow by the difference.
    private let exported = Mutex(ProcessorStatistics.Snapshot())
    /// Partitions with an exported lag, so a revoked one's series goes away.
    private let lagPartitions = Mutex<Set<KafkaTopicPartition>>([])

    private static let durationBuckets: [Duration] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500].map { .milliseconds($0) }
    /// A HealthKit batch is decided in tens of microseconds.
    private static let batchBuckets: [Duration] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000].map { .microseconds($0) }

    /// Fine where the processor's objective lies (tens of milliseconds), so
    /// a p99 read from the buckets is within a few milliseconds there.
    private static let recordLatencyBuckets: [Duration] = [1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 150, 200, 300, 500,
                                                           1000, 2000, 5000, 10_000, 60_000].map { .milliseconds($0) }
    /// A record older than this (a replayed backlog) is counted in the last bucket.
    private static let longestRecordLatency = 86_400.0

    private static let providerBuckets: [Duration] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000].map { .milliseconds($0) }

    public init() {}

    public func webhookAccepted(source: String, after duration: Duration) {
        let instruments = instruments(source)
        instruments.accepted.increment()
        instruments.duration.record(duration)
    }

    public func webhookFailed(source: String, errorType: String, after duration: Duration) {
        counter("webhook_events_failed_total", "Webhook requests answered with an error, by error code.",
                [("source", source), ("error_type", errorType)]).increment()
        instruments(source).duration.record(duration)
    }

    public func modeSwitched(_ modeSwitch: ModeSwitch) {
        counter("mode_switches_total", "Mode switches decided.", [
            ("from_mode", modeSwitch.previousMode.rawValue), ("to_mode", modeSwitch.newMode.rawValue),
            ("reason_code", modeSwitch.reasonCode.rawValue),
        ]).increment()
    }

    /// Kafka append → decision of each record of a batch, in seconds (a
    /// producer's clock ahead of this one counts as 0).
    public func recordsDecided(latencies: [Double]) {
        guard !latencies.isEmpty else { return }
        let histogram = registry.makeDurationHistogram(
            descriptor: Self.descriptor("record_latency_seconds", "Time from a record's append to Kafka to its decision."),
            labels: [], buckets: Self.recordLatencyBuckets)
        for seconds in latencies {
            histogram.record(.microseconds(Int64(min(max(seconds, 0), Self.longestRecordLatency) * 1_000_000)))
        }
    }

    public func checkpointSaved(after duration: Duration, states: Int, stateBytes: Int) {
        registry.makeDurationHistogram(
            descriptor: Self.descriptor("checkpoint_save_seconds", "Time to write one checkpoint transaction."),
            labels: [], buckets: Self.durationBuckets
        ).record(duration)
        counter("checkpoint_states_total", "User states written by checkpoints.", []).increment(by: Int64(states))
        counter("checkpoint_state_bytes_total", "Sealed bytes of the user states written by checkpoints.", []).increment(by: Int64(stateBytes))
    }

    public func healthKitProcessed(_ tally: HealthKitTally) {
        for (key, count) in tally.samples {
            counter("healthkit_samples_processed_total", "HealthKit samples by metric: accepted into an event, or rejected.",
                    [("metric_type", key.metricType), ("status", key.status.rawValue)]).increment(by: Int64(count))
        }
        for (reason, count) in tally.conversionErrors {
            counter("healthkit_conversion_errors_total", "HealthKit samples, or whole batches, that could not be converted, by reason code.",
                    [("error_type", reason.rawValue)]).increment(by: Int64(count))
        }
        let histogram = registry.makeDurationHistogram(
            descriptor: Self.descriptor("healthkit_batch_processing_seconds", "Time to normalise, validate and decide one HealthKit batch."),
            labels: [], buckets: Self.batchBuckets)
        for duration in tally.batchDurations { histogram.record(duration) }
    }

    public func configurationReloaded(applied: Bool) {
        counter("config_reloads_total", "Thresholds file reloads, applied or refused.", [("result", applied ? "applied" : "refused")]).increment()
    }

    public func deadLettered(stage: DeadLetterStage, reason: DeadLetterReason) {
        counter("dlq_messages_total", "Records sent to the dead-letter topic.", [("stage", stage.rawValue), ("reason", reason.description)])
            .increment()
    }

    /// A dead letter that left out the original's headers or value to fit Kafka's record size.
    public func deadLetterShortened() {
        counter("dlq_messages_shortened_total", "Dead letters that left out part of the original to fit the record size limit.", []).increment()
    }

    /// A dead letter Kafka refused even without the original value: logged with the original's coordinates, not stored.
    public func deadLetterUndeliverable() {
        counter("dlq_messages_undeliverable_total", "Dead letters Kafka refused in their smallest form; the log names each original.", []).increment()
    }

    /// One request to a provider's API, by endpoint (a fixed name, never a
    /// path with ids) and status code (`error` when nothing answered).
    public func providerRequested(provider: String, endpoint: String, status: String, after duration: Duration) {
        counter("provider_requests_total", "Requests to provider APIs, by endpoint and status code.",
                [("provider", provider), ("endpoint", endpoint), ("status", status)]).increment()
        registry.makeDurationHistogram(
            descriptor: Self.descriptor("provider_request_seconds", "Time for one request to a provider's API."),
            labels: [("provider", provider)], buckets: Self.providerBuckets
        ).record(duration)
    }

    /// `refreshed`, `already_refreshed` (another replica did it first), `revoked` or `failed`.
    public func tokenRefreshed(provider: String, result: String) {
        counter("token_refreshes_total", "OAuth2 token refreshes, by result.", [("provider", provider), ("result", result)]).increment()
    }

    /// What became of one provider notification (or backfill) the fetcher read.
    public func notificationFetched(provider: String, outcome: String) {
        counter("fetch_notifications_total", "Provider notifications by outcome: fetched, acknowledged without a fetch, or dead-lettered.",
                [("provider", provider), ("outcome", outcome)]).increment()
    }

    /// Connections per provider and status, as last counted.
    public func connectionsCounted(_ counts: [String: [String: Int]]) {
        let descriptor = Self.descriptor("connections", "OAuth2 connections to providers, by status.")
        for (provider, statuses) in counts {
            for status in ["active", "revoked"] {
                registry.makeGauge(descriptor: descriptor, labels: [("provider", provider), ("status", status)]).set(Double(statuses[status] ?? 0))
            }
        }
    }

    /// Brings the processor's counters up to `snapshot` and its gauges to
    /// `gauges` (called before each scrape).
    public func observe(processor snapshot: ProcessorStatistics.Snapshot, gauges: ProcessorStatistics.Gauges) {
        observe(gauges)
        let previous = exported.withLock { exported in
            defer { exported = snapshot }
            return exported
        }
        let processed = "Consumed records by outcome: processed, dead_lettered or duplicate."
        for (status, now, before) in [("processed", snapshot.processed, previous.processed),
                                      ("dead_lettered", snapshot.deadLettered, previous.deadLettered),
                                      ("duplicate", snapshot.duplicates, previous.duplicates)] where now > before {
            counter("kafka_messages_processed_total", processed, [("status", status)]).increment(by: Int64(now - before))
        }
        if snapshot.duplicates > previous.duplicates {
            counter("duplicates_total", "Records recognised as already decided.", []).increment(by: Int64(snapshot.duplicates - previous.duplicates))
        }
        if snapshot.evictedUsers > previous.evictedUsers {
            counter("evicted_users_total", "Clean user states dropped from memory to stay within the budget.", [])
                .increment(by: Int64(snapshot.evictedUsers - previous.evictedUsers))
        }
        let takenAway = "Partitions taken from this member: fenced (another member claimed them first) or lost (out of the group too long)."
        for (how, now, before) in [("fenced", snapshot.fencedPartitions, previous.fencedPartitions),
                                   ("lost", snapshot.lostPartitions, previous.lostPartitions)] where now > before {
            counter("partitions_taken_away_total", takenAway, [("how", how)]).increment(by: Int64(now - before))
        }
        registry.makeGauge(descriptor: Self.descriptor("owned_partitions", "Partitions of biometric-events this member owns."), labels: [])
            .set(Double(snapshot.ownedPartitions))
        registry.makeGauge(descriptor: Self.descriptor("active_users", "Users whose states are in memory."), labels: [])
            .set(Double(snapshot.activeUsers))
    }

    public func text() -> String {
        registry.emitToString()
    }

    private func instruments(_ source: String) -> SourceInstruments {
        if let known = sources.withLock({ $0[source] }) { return known }
        let made = SourceInstruments(
            accepted: counter("webhook_events_total", "Webhook requests accepted (202) or recognised as replays (200).", [("source", source)]),
            duration: registry.makeDurationHistogram(
                descriptor: Self.descriptor("webhook_process_duration_seconds", "Time from request to answer."),
                labels: [("source", source)], buckets: Self.durationBuckets))
        sources.withLock { $0[source] = made }
        return made
    }

    private func observe(_ gauges: ProcessorStatistics.Gauges) {
        let depth = Self.descriptor("stage_queue_depth", "Elements (record batches, barriers) waiting in each stage's inbox.")
        for (stage, count) in gauges.queueDepths {
            registry.makeGauge(descriptor: depth, labels: [("stage", stage)]).set(Double(count))
        }
        registry.makeGauge(descriptor: Self.descriptor(
            "checkpoint_age_seconds", "Seconds the oldest record read since the last written checkpoint has waited for one (0: all checkpointed)."))
            .set(gauges.checkpointAge.seconds)
        let lag = Self.descriptor("kafka_consumer_lag_messages", "Records between a partition's high watermark and the next one the processor will be handed.")
        func series(_ partition: KafkaTopicPartition) -> Gauge {
            registry.makeGauge(descriptor: lag, labels: [("topic", partition.topic), ("partition", String(partition.partition))])
        }
        for (partition, messages) in gauges.consumerLag { series(partition).set(Double(messages)) }
        let gone = lagPartitions.withLock { exported in
            defer { exported = Set(gauges.consumerLag.keys) }
            return exported.subtracting(gauges.consumerLag.keys)
        }
        for partition in gone { registry.unregisterGauge(series(partition)) }
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "auren", metricName: name, unitName: "", helpText: help)
    }
}
