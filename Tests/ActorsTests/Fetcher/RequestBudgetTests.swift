@testable import Actors
import Testing

/// The provider limits, line by line, with time passed in.
struct RequestBudgetTests {
    let start = ContinuousClock.now

    func check(_ budget: inout RequestBudget, at instant: ContinuousClock.Instant, _ expected: RequestBudget.Decision, _ comment: Comment? = nil,
               sourceLocation: SourceLocation = #_sourceLocation) {
        let decision = budget.request(at: instant)
        #expect(decision == expected, comment, sourceLocation: sourceLocation)
    }

    /// WHOOP's two windows: the minute's hundredth request is the last
    /// until the first leaves the minute, and the day's limit holds across minutes.
    @Test func everyWindowHoldsAndTheLongestWaitWins() {
        var budget = RequestBudget(windows: [.init(limit: 3, length: .seconds(60)), .init(limit: 5, length: .seconds(3_600))])
        for second in 0..<3 { check(&budget, at: start + .seconds(second), .proceed) }
        check(&budget, at: start + .seconds(10), .wait(until: start + .seconds(60)))
        check(&budget, at: start + .seconds(60), .proceed)
        check(&budget, at: start + .seconds(61), .proceed)
        check(&budget, at: start + .seconds(200), .wait(until: start + .seconds(3_600)), "five in the hour")
        check(&budget, at: start + .seconds(3_600), .proceed)
    }

    /// A 429's pause stops every request until it ends; a shorter later pause does not shorten it.
    @Test func aPauseHoldsEveryRequestUntilItEnds() {
        var budget = RequestBudget(windows: [.init(limit: 100, length: .seconds(60))])
        budget.pause(until: start + .seconds(5))
        budget.pause(until: start + .seconds(2))
        check(&budget, at: start + .seconds(1), .wait(until: start + .seconds(5)))
        check(&budget, at: start + .seconds(5), .proceed)
    }

    /// The log keeps only what the largest window can look at.
    @Test func theLogStaysBounded() {
        var budget = RequestBudget(windows: [.init(limit: 10, length: .milliseconds(1))])
        for step in 0..<10_000 { _ = budget.request(at: start + .milliseconds(step)) }
        check(&budget, at: start + .seconds(20), .proceed)
    }

    @Test func limitsParseFromTheEnvironmentsSpelling() throws {
        let windows = try ProviderAPISettings.parseBudget("100/60s, 10000/86400s", name: "WHOOP_RATE_LIMITS")
        #expect(windows == [.init(limit: 100, length: .seconds(60)), .init(limit: 10_000, length: .seconds(86_400))])
        for bad in ["", "100", "0/60s", "100/60", "100/0s", "x/60s", "100/9999999s"] {
            #expect(throws: ProviderAPISettings.Invalid.self, "\(bad)") { try ProviderAPISettings.parseBudget(bad, name: "WHOOP_RATE_LIMITS") }
        }
    }
}
