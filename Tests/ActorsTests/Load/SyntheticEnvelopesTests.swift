import Pipeline
import Testing
import Workbench

/// The benchmarks' workloads switch modes at the rates they are named for,
/// as the domain decides them.
struct SyntheticEnvelopesTests {
    /// The rate over the first 100 events of 140 of `bench pipeline`'s 2,000
    /// users: a whole turn of both workloads' patterns (7 and 2 users). Users
    /// are decided apart, so leaving the others out changes nothing for these;
    /// and the test, which holds a thread of the shared pool while it decides,
    /// gives it back in a second or two to the tests that wait on tasks.
    static func switchesPerHundredEvents(_ workload: SyntheticEnvelopes.Workload) -> Double {
        let envelopes = SyntheticEnvelopes(users: 2_000, workload: workload)
        let processor = EnvelopeProcessor(configuration: BridgeConfiguration())
        var states: [String: UserState] = [:]
        var switches = 0
        let sampledUsers = 140, steps = 100
        for step in 0..<steps {
            for user in 0..<sampledUsers {
                let synthetic = envelopes.envelope(step * envelopes.users + user)
                let envelope = Envelope(provider: synthetic.provider, userID: synthetic.userID, receivedAt: synthetic.receivedAt, body: synthetic.body)
                if case .decided(let decision, _, _) = processor.process(envelope, in: &states), decision.modeSwitch != nil { switches += 1 }
            }
        }
        return Double(switches) * 100 / Double(sampledUsers * steps)
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
