import Pipeline
import Testing

/// Names that travel in headers, JSON and database rows are part of the contract.
struct ModelNamesTests {
    @Test func providerNames() {
        #expect(Provider.allCases.map(\.rawValue) == ["apple_health", "oura", "whoop", "garmin", "canonical"])
    }

    @Test func modeNames() {
        #expect(CognitiveMode.allCases.map(\.rawValue) == ["pattern", "reflex", "guardian", "hypothesis"])
    }
}
