import Testing

/// `biometric-bridge bench pipeline`'s options as a user types them; the
/// benchmark itself is run by hand (it measures, it does not test).
struct BenchCommandTests {
    @Test(arguments: ["50", "fast", "inf", ""])
    func aLatencyRateThatIsNeitherEventsPerSecondNorHalfIsRefused(value: String) async throws {
        let bench = try await BridgeCommand.run(["bench", "pipeline", "--latency-rate", value])
        #expect(bench.status == 64, "\(bench.errors)")
        #expect(bench.errors.contains("expected events/s (at least 100) or 'half'"), "\(bench.errors)")
    }

    @Test func theHelpSaysWhereTheLatencyIsMeasured() async throws {
        let help = try await BridgeCommand.run(["bench", "pipeline", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("--latency-rate <events/s|half>"), "\(help.output)")
        #expect(help.output.contains("half the 100000 events/s target"))
    }

    @Test func aWorkloadIsOneOfTheNamedOnes() async throws {
        let bench = try await BridgeCommand.run(["bench", "pipeline", "--workload", "stormy"])
        #expect(bench.status == 64, "\(bench.errors)")
        #expect(bench.errors.contains("mixed") && bench.errors.contains("switch-heavy"), "\(bench.errors)")
    }
}
