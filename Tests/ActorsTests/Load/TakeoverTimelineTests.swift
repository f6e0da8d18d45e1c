import Testing
import Workbench

/// `bench members`' takeover figure: when a member is back at its full rate.
struct TakeoverTimelineTests {
    /// Every 100 ms: nothing for 0.8 s (states loading), 500/s until 2 s, then 1,000/s until the backlog runs out at 6 s.
    private static let samples: [(seconds: Double, decided: Double)] = (0...80).map { tick in
        let seconds = Double(tick) / 10
        let decided = seconds <= 0.8 ? 0 : seconds <= 2 ? (seconds - 0.8) * 500 : seconds <= 6 ? 600 + (seconds - 2) * 1_000 : 4_600
        return (seconds, decided.rounded())
    }

    @Test func fullRateIsTheLastSecondsAndReachedOnceAHalfSecondRunsAtNinetyPercentOfIt() throws {
        let timeline = TakeoverTimeline(Self.samples)
        #expect(abs(timeline.fullRate - 1_000) < 1)
        // The half second ending at 2.5 s is the first that runs at 1,000/s (2.4 s: 900/s, on the edge, also counts).
        let after = try #require(timeline.fullRateAfter)
        #expect(after >= 2.4 && after <= 2.5)
    }

    @Test func aCountThatNeverGrowsOrIsTooShortHasNoFullRate() {
        #expect(TakeoverTimeline([]).fullRateAfter == nil)
        #expect(TakeoverTimeline([(0, 0), (0.1, 0), (0.2, 0)]).fullRateAfter == nil)
        #expect(TakeoverTimeline([(0, 0), (0.3, 50)]).fullRateAfter == nil)
    }
}
