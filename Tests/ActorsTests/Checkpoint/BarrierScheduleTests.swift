@testable import Actors
import Testing

/// The barrier schedule line by line: no stage, no clock, no sleep.
struct BarrierScheduleTests {
    let start = ContinuousClock.now
    let policy = BarrierSchedule.Policy(interval: .seconds(1), maxDirtyUsers: 100, window: 1_000)

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test func nothingReadSendsNothingHoweverLongItWaits() {
        var schedule = BarrierSchedule(now: start)
        #expect(schedule.tick(now: at(60_000), policy: policy, written: 0, dirtyUsers: 0) == .none)
        #expect(schedule.uncheckpointedSince == nil)
    }

    @Test func recordsReadSendABarrierOnceTheIntervalHasPassed() {
        var schedule = BarrierSchedule(now: start)
        #expect(schedule.recordsRead(10, forwarded: 10, at: at(100), now: at(100), policy: policy, written: 0, dirtyUsers: 0) == .none)
        #expect(schedule.uncheckpointedSince == at(100))
        #expect(schedule.tick(now: at(999), policy: policy, written: 0, dirtyUsers: 0) == .none)
        #expect(schedule.tick(now: at(1_000), policy: policy, written: 0, dirtyUsers: 0) == .sendBarrier)
        #expect(schedule.barrierSent(now: at(1_000)) == 1)
        #expect(schedule.inFlight == 1)
        // The records stay uncovered until barrier 1 is written.
        #expect(schedule.uncheckpointedSince == at(100))
    }

    @Test func oneBarrierInFlightAtATimeAndRequestsCoalesce() {
        var schedule = BarrierSchedule(now: start)
        _ = schedule.recordsRead(1, forwarded: 1, at: at(0), now: at(0), policy: policy, written: 0, dirtyUsers: 0)
        schedule.requestImmediate()
        #expect(schedule.tick(now: at(1), policy: policy, written: 0, dirtyUsers: 0) == .sendBarrier)
        #expect(schedule.barrierSent(now: at(1)) == 1)
        schedule.requestImmediate()
        schedule.requestImmediate()
        _ = schedule.recordsRead(5, forwarded: 5, at: at(2), now: at(2), policy: policy, written: 0, dirtyUsers: 500)
        #expect(schedule.tick(now: at(5_000), policy: policy, written: 0, dirtyUsers: 500) == .none)
        // Written: the coalesced request goes at once, as one barrier.
        #expect(schedule.tick(now: at(5_001), policy: policy, written: 1, dirtyUsers: 0) == .sendBarrier)
        #expect(schedule.barrierSent(now: at(5_001)) == 2)
        #expect(schedule.tick(now: at(5_002), policy: policy, written: 2, dirtyUsers: 0) == .none)
        #expect(schedule.inFlight == nil)
        #expect(schedule.uncheckpointedSince == nil)
    }

    @Test func tooManyDirtyUsersSendABarrierBeforeTheInterval() {
        var schedule = BarrierSchedule(now: start)
        #expect(schedule.recordsRead(1, forwarded: 1, at: at(1), now: at(1), policy: policy, written: 0, dirtyUsers: 99) == .none)
        #expect(schedule.recordsRead(1, forwarded: 1, at: at(2), now: at(2), policy: policy, written: 0, dirtyUsers: 100) == .sendBarrier)
    }

    @Test func aFullWindowWaitsForTheBarrierInFlightThenSendsTheNext() {
        var schedule = BarrierSchedule(now: start)
        schedule.requestImmediate()
        #expect(schedule.tick(now: at(0), policy: policy, written: 0, dirtyUsers: 0) == .sendBarrier)
        _ = schedule.barrierSent(now: at(0))
        #expect(schedule.recordsRead(999, forwarded: 999, at: at(1), now: at(1), policy: policy, written: 0, dirtyUsers: 0) == .none)
        #expect(schedule.recordsRead(1, forwarded: 0, at: at(2), now: at(2), policy: policy, written: 0, dirtyUsers: 0) == .waitFor(1))
        // Once it is written, a full window sends without waiting.
        #expect(schedule.checkpointNow(written: 1) == .sendBarrier)
    }

    @Test func recordsReadButNotForwardedCountTowardsTheWindowNotTowardsReadiness() {
        var schedule = BarrierSchedule(now: start)
        _ = schedule.recordsRead(500, forwarded: 0, at: at(1), now: at(1), policy: policy, written: 0, dirtyUsers: 0)
        #expect(schedule.uncheckpointedSince == nil)
        #expect(schedule.recordsRead(500, forwarded: 0, at: at(2), now: at(2), policy: policy, written: 0, dirtyUsers: 0) == .sendBarrier)
    }

    @Test func aCheckpointNowWrittenLeavesNothingUncovered() {
        var schedule = BarrierSchedule(now: start)
        _ = schedule.recordsRead(3, forwarded: 3, at: at(1), now: at(1), policy: policy, written: 0, dirtyUsers: 0)
        #expect(schedule.checkpointNow(written: 0) == .sendBarrier)
        let id = schedule.barrierSent(now: at(2))
        #expect(schedule.checkpointNow(written: 0) == .waitFor(id))
        schedule.checkpointWritten(id)
        #expect(schedule.inFlight == nil)
        #expect(schedule.uncheckpointedSince == nil)
        // An older barrier's write changes nothing.
        _ = schedule.barrierSent(now: at(3))
        schedule.checkpointWritten(id)
        #expect(schedule.inFlight == id + 1)
    }
}
