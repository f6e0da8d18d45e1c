import Pipeline
import Testing
import Workbench

/// The benchmarks' workloads switch modes at the rates they are named for,
/// as the domain decides them.
struct SyntheticEnvelopesTests {
    /// The rate over the first 100 events of each of `bench pipeline`'s 2,000 users.
    static func switchesPerHundredEvents(_ workload: SyntheticEnvelopes.Workload) -> Double {
        let envelopes = SyntheticEnvelopes(users: 2_000, workload: workload)
        let processor = EnvelopeProcessor(configuration: BridgeConfiguration())
        var states: [String: UserState] = [:]
        var switches = 0
        let events = 2_000 * 100
        for index in 0..<events {
            let synthetic = envelopes.envelope(index)
            let envelope = Envelope(provider: synthetic.provider, userID: synthetic.userID, receivedAt: synthetic.receivedAt, body: synthetic.body)
            if case .decided(let decision, _, _) = processor.process(envelope, in: &states), decision.modeSwitch != nil { switches += 1 }
        }
        return Double(switches) * 100 / Double(events)
    }

    @Test func theMixedWorkloadSwitchesAboutOncePerHundredEvents() {
        let rate = Self.switchesPerHundredEvents(.mixed)
        #expect((0.5...2).contains(rate), "\(rate) switches per 100 events")
    }

    @Test func theSwitchHeavyWorkloadSwitchesAboutFiveTimesPerHundredEvents() {
        let rate = Self.switchesPerHundredEvents(.switchHeavy)
        #expect((4...6).contains(rate), "\(rate) switches per 100 events")
    }
}
