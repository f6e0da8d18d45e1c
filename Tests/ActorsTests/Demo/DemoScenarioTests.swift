import Actors
import Pipeline
import Testing
import Workbench

/// The demo's script, decided by the same engine the processor runs (with the
/// shipped thresholds, provider records as the fetcher appends them, up to a
/// simulated hour late), produces exactly the switches it promises, for every
/// user — and a shortened run promises only what it reaches.
struct DemoScenarioTests {
    static let start = TimestampParser.parse("2026-11-20T09:30:00Z")!

    static func decide(_ scenario: DemoScenario) async -> [Int: [DemoScenario.Expected]] {
        let processor = EnvelopeProcessor(configuration: DemoScenario.thresholds(BridgeConfiguration()))
        var states: [Int: UserState] = [:]
        var switches: [Int: [DemoScenario.Expected]] = [:]
        // Fetching delays a provider's record behind the watch batches that
        // follow it: decided here a simulated hour after it was sent.
        let fetchDelay = 3_600.0
        let deliveries = scenario.deliveries().enumerated().sorted { first, second in
            func decidedAt(_ delivery: DemoScenario.Delivery) -> Timestamp {
                delivery.record == nil ? delivery.time : delivery.time.adding(seconds: fetchDelay)
            }
            return (decidedAt(first.element), first.offset) < (decidedAt(second.element), second.offset)
        }
        for (index, delivery) in deliveries {
            if index % 2_000 == 0 { await Task.yield() }
            let provider: Provider = switch delivery.route {
            case .healthKit: .appleHealth
            case .whoop: .whoop
            case .oura: .oura
            }
            let envelope = Envelope(
                provider: provider, userID: DemoScenario.userID(delivery.user), receivedAt: delivery.time.adding(seconds: 30),
                deliveryID: "d-\(index)", dataType: delivery.record?.dataType, body: delivery.record.map { Array($0.json.utf8) } ?? delivery.body)
            let outcome = processor.process(envelope, state: &states[delivery.user, default: UserState(userID: DemoScenario.userID(delivery.user))])
            if case .decided(let decision, _, _) = outcome, let modeSwitch = decision.modeSwitch {
                switches[delivery.user, default: []].append(.init(mode: modeSwitch.newMode.rawValue, reason: modeSwitch.reasonCode.rawValue))
            }
        }
        return switches
    }

    /// Whatever the hour the demo starts: Oura dates readiness by the calendar
    /// day (at 15:11:52, user 16's is sent a minute before midnight).
    @Test(arguments: ["2026-11-20T09:30:00Z", "2026-11-20T00:10:00Z", "2026-11-20T17:45:00Z", "2026-11-20T23:50:00Z", "2026-12-02T15:11:52Z"])
    func everyUserSwitchesExactlyAsScripted(start: String) async throws {
        let scenario = DemoScenario(users: 20, start: try #require(TimestampParser.parse(start)))
        let switches = await Self.decide(scenario)
        for user in 0..<scenario.users {
            #expect(scenario.expected(for: user).count == 6)
            #expect(switches[user] ?? [] == scenario.expected(for: user), "user \(user)")
        }
    }

    @Test func aShortenedRunExpectsOnlyWhatItReaches() async {
        let scenario = DemoScenario(users: 3, start: Self.start, seconds: 2 * 86_400)
        let switches = await Self.decide(scenario)
        for user in 0..<scenario.users {
            #expect(scenario.expected(for: user).map(\.mode) == ["reflex", "pattern", "guardian"])
            #expect(switches[user] ?? [] == scenario.expected(for: user), "user \(user)")
        }
    }
}
