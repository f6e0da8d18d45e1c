import Prometheus

/// The `auren_` metrics of SPEC 8, served as Prometheus text on `/metrics`.
/// Labels carry only fixed vocabularies (provider names, reason codes), never
/// free text or user ids.
public final class BridgeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    private static let durationBuckets: [Duration] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500].map { .milliseconds($0) }

    public init() {}

    public func webhookAccepted(source: String) {
        counter("webhook_events_total", "Webhook requests accepted (202) or recognised as replays (200).", [("source", source)]).increment()
    }

    public func webhookFailed(source: String, errorType: String) {
        counter("webhook_events_failed_total", "Webhook requests answered with an error, by error code.",
                [("source", source), ("error_type", errorType)]).increment()
    }

    public func webhookDuration(source: String, _ duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.descriptor("webhook_process_duration_seconds", "Time from request to answer."),
            labels: [("source", source)], buckets: Self.durationBuckets
        ).record(duration)
    }

    public func deadLettered(stage: String, reason: String) {
        counter("dlq_messages_total", "Records sent to the dead-letter topic.", [("stage", stage), ("reason", reason)]).increment()
    }

    public func text() -> String {
        registry.emitToString()
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "auren", metricName: name, unitName: "", helpText: help)
    }
}
