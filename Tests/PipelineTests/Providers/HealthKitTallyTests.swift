import Pipeline
import Testing

/// The counts behind the `healthkit_*` metrics, from real batches through the processor.
struct HealthKitTallyTests {
    static let time = "\"timestamp\":\"2026-11-20T07:00:00Z\""

    @Test func samplesAreCountedByMetricAndStatusAndConversionErrorsByReason() {
        var scenario = Scenario()
        var tally = HealthKitTally()
        let batch = Fixtures.healthKit(body: """
            {"user_id":"user-1","samples":[
              {"type":"heartRate","value":72,\(Self.time)},
              {"type":"heartRate","value":74,"unit":"count/min","timestamp":"2026-11-20T07:01:00Z"},
              {"type":"heartRateVariabilitySDNN","value":45,\(Self.time)},
              {"type":"heartRate","value":900,\(Self.time)},
              {"type":"heartRate","value":70,"unit":"furlongs",\(Self.time)},
              {"type":"HKQuantityTypeIdentifierBodyMass","value":70,\(Self.time)}
            ]}
            """)
        tally.record(scenario.send(batch), took: .microseconds(40))

        #expect(tally.samples == [
            .init(metricType: "heart_rate", status: .accepted): 2,
            .init(metricType: "hrv_sdnn", status: .accepted): 1,
            .init(metricType: "heart_rate", status: .rejected): 2,
            .init(metricType: "unknown", status: .rejected): 1,
        ])
        // Out of range is a validation rejection, not a failed conversion.
        #expect(tally.conversionErrors == [.unsupportedUnit: 1, .unsupportedType: 1])
        #expect(tally.batchDurations == [.microseconds(40)])
    }

    @Test func aBodyThatCannotBeReadIsOneConversionErrorAndARepeatCountsNoSamples() {
        var scenario = Scenario()
        var tally = HealthKitTally()
        tally.record(scenario.send(Fixtures.healthKit(body: "{\"user_id\":\"user-1\",\"samples\":")), took: .microseconds(5))
        #expect(tally.conversionErrors == [.malformedBody: 1])
        #expect(tally.samples.isEmpty)

        let batch = Fixtures.healthKit(body: "{\"user_id\":\"user-1\",\"samples\":[{\"type\":\"heartRate\",\"value\":72,\(Self.time)}]}")
        tally.record(scenario.send(batch), took: .microseconds(20))
        tally.record(scenario.send(batch), took: .microseconds(10))
        #expect(tally.samples == [.init(metricType: "heart_rate", status: .accepted): 1])
        #expect(tally.batchDurations.count == 3)
    }

    @Test func aBatchWithNoValidSampleCountsEachRejection() {
        var scenario = Scenario()
        var tally = HealthKitTally()
        let batch = Fixtures.healthKit(body: """
            {"user_id":"user-1","samples":[{"type":"oxygenSaturation","value":97,"unit":"ppm",\(Self.time)},{"type":"heartRate",\(Self.time)}]}
            """)
        tally.record(scenario.send(batch), took: .microseconds(15))
        #expect(tally.samples == [
            .init(metricType: "blood_oxygen", status: .rejected): 1, .init(metricType: "heart_rate", status: .rejected): 1,
        ])
        #expect(tally.conversionErrors == [.unsupportedUnit: 1, .invalidValue: 1])
    }
}
