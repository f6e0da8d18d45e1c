import Actors
import Pipeline
import Testing
import Workbench

/// `/metrics` speaks Prometheus text with the documented names and fixed label vocabularies.
struct BridgeMetricsTests {
    @Test func processorAndIngressMetricsAppearWithTheirLabels() {
        let metrics = BridgeMetrics()
        let modeSwitch = ModeSwitch(
            switchID: "abc", userID: "u-1", previousMode: .pattern, newMode: .reflex, reasonCode: .hrvDrop, confidence: 0.9,
            eventTime: Timestamp(milliseconds: 0), configVersion: "v",
            snapshot: CognitiveStateSnapshot(hrv: 30, heartRate: nil, stressLevel: nil, recoveryScore: nil, provider: .oura))
        metrics.modeSwitched(modeSwitch)
        metrics.modeSwitched(modeSwitch)
        metrics.checkpointSaved(after: .milliseconds(7), states: 3, stateBytes: 1_500)
        metrics.configurationReloaded(applied: false)
        metrics.webhookAccepted(source: "oura", after: .milliseconds(3))
        metrics.webhookFailed(source: "oura", errorType: "invalid_signature", after: .milliseconds(1))
        var snapshot = ProcessorStatistics.Snapshot()
        snapshot.processed = 10
        snapshot.duplicates = 2
        snapshot.activeUsers = 4
        metrics.observe(processor: snapshot, gauges: .init())
        snapshot.processed = 15
        metrics.observe(processor: snapshot, gauges: .init())

        let text = metrics.text()
        #expect(text.contains(#"auren_mode_switches_total{from_mode="pattern",to_mode="reflex",reason_code="hrv_drop"} 2"#), "\(text)")
        #expect(text.contains("auren_checkpoint_save_seconds_count 1"))
        #expect(text.contains("auren_checkpoint_states_total 3"))
        #expect(text.contains("auren_checkpoint_state_bytes_total 1500"))
        #expect(text.contains(#"auren_config_reloads_total{result="refused"} 1"#))
        #expect(text.contains(#"auren_webhook_events_total{source="oura"} 1"#))
        #expect(text.contains(#"auren_webhook_events_failed_total{source="oura",error_type="invalid_signature"} 1"#))
        #expect(text.contains(#"auren_webhook_process_duration_seconds_count{source="oura"} 2"#))
        #expect(text.contains(#"auren_kafka_messages_processed_total{status="processed"} 15"#))
        #expect(text.contains("auren_duplicates_total 2"))
        #expect(text.contains("auren_active_users 4"))
        #expect(!text.contains("u-1"), "no user id in metrics")
    }

    @Test func recordLatenciesAreBucketedAndReadBackByABench() throws {
        let metrics = BridgeMetrics()
        // A producer's clock ahead of ours counts as 0; a record from long ago lands past every finite bucket.
        metrics.recordsDecided(latencies: [-3, 0.003, 0.012, 0.012, 0.045, 1e12])
        let first = try #require(ScrapedMetrics(metrics.text()).histogram("auren_record_latency_seconds"))
        #expect(first.count == 6)
        #expect(first.cumulativeCounts[first.bounds.firstIndex(of: 0.001)!] == 1)
        #expect(first.cumulativeCounts[first.bounds.firstIndex(of: 60)!] == 5)
        #expect(first.quantile(0.5)! > 0.010 && first.quantile(0.5)! <= 0.015)

        metrics.recordsDecided(latencies: [0.022, 0.022])
        let since = try #require(ScrapedMetrics(metrics.text()).histogram("auren_record_latency_seconds")).subtracting(first)
        #expect(since.count == 2)
        #expect(since.quantile(0.99)! > 0.020 && since.quantile(0.99)! <= 0.025)
        #expect(since.adding(first).count == 8)
        #expect(ScrapedMetrics("").histogram("auren_record_latency_seconds") == nil)
    }

    @Test func healthKitSamplesConversionErrorsAndBatchTimesAreExported() {
        let metrics = BridgeMetrics()
        var state = UserState(userID: "u-1")
        let batch = Envelope(
            provider: .appleHealth, userID: "u-1", receivedAt: Timestamp(milliseconds: 1_764_000_000_000),
            body: Array(#"{"user_id":"u-1","samples":[{"type":"heartRate","value":72,"timestamp":"2025-11-24T16:00:00Z"},{"type":"heartRate","value":72,"unit":"furlongs","timestamp":"2025-11-24T16:00:00Z"}]}"#.utf8))
        var tally = HealthKitTally()
        tally.record(EnvelopeProcessor(configuration: BridgeConfiguration()).process(batch, state: &state), took: .microseconds(30))
        metrics.healthKitProcessed(tally)
        metrics.healthKitProcessed(tally)

        let text = metrics.text()
        #expect(text.contains(#"auren_healthkit_samples_processed_total{metric_type="heart_rate",status="accepted"} 2"#), "\(text)")
        #expect(text.contains(#"auren_healthkit_samples_processed_total{metric_type="heart_rate",status="rejected"} 2"#))
        #expect(text.contains(#"auren_healthkit_conversion_errors_total{error_type="unsupported_unit"} 2"#))
        #expect(text.contains("auren_healthkit_batch_processing_seconds_count 2"))
        #expect(text.contains(#"auren_healthkit_batch_processing_seconds_bucket{le="0.00005"} 2"#))
        #expect(!text.contains("u-1"), "no user id in metrics")
    }

    @Test func queueDepthsAndConsumerLagAreGaugesAndARevokedPartitionDisappears() {
        let metrics = BridgeMetrics()
        let first = KafkaTopicPartition(topic: "biometric-events", partition: 0)
        let second = KafkaTopicPartition(topic: "biometric-events", partition: 3)
        metrics.observe(processor: .init(), gauges: .init(queueDepths: ["ingest": 2, "decide": 11], consumerLag: [first: 120, second: 7]))
        var text = metrics.text()
        #expect(text.contains(#"auren_stage_queue_depth{stage="ingest"} 2"#), "\(text)")
        #expect(text.contains(#"auren_stage_queue_depth{stage="decide"} 11"#))
        #expect(text.contains(#"auren_kafka_consumer_lag_messages{topic="biometric-events",partition="0"} 120"#))
        #expect(text.contains(#"auren_kafka_consumer_lag_messages{topic="biometric-events",partition="3"} 7"#))

        metrics.observe(processor: .init(), gauges: .init(queueDepths: ["ingest": 0, "decide": 4], consumerLag: [first: 0]))
        text = metrics.text()
        #expect(text.contains(#"auren_stage_queue_depth{stage="decide"} 4"#), "\(text)")
        #expect(text.contains(#"auren_kafka_consumer_lag_messages{topic="biometric-events",partition="0"} 0"#))
        #expect(!text.contains(#"partition="3""#), "a revoked partition's lag is no longer exported")
    }
}
