import Prometheus
import Synchronization

/// The `auren_` metrics of SPEC 8, served as Prometheus text on `/metrics`.
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

    private static let durationBuckets: [Duration] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500].map { .milliseconds($0) }

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

    public func deadLettered(stage: String, reason: String) {
        counter("dlq_messages_total", "Records sent to the dead-letter topic.", [("stage", stage), ("reason", reason)]).increment()
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

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "auren", metricName: name, unitName: "", helpText: help)
    }
}
