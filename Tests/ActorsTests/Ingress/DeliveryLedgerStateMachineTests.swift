@testable import Actors
import Testing

/// Replay protection's decisions, with time passed in.
struct DeliveryLedgerStateMachineTests {
    typealias Machine = DeliveryLedgerStateMachine<String>
    let start = ContinuousClock.now

    @Test func aDeliveredIDIsAReplayUntilTheWindowEnds() {
        var machine = Machine(window: .seconds(600), capacity: 10)
        #expect(machine.claim("oura/1", now: start) == .fresh)
        #expect(machine.settle("oura/1", delivered: true, now: start).isEmpty)
        #expect(machine.claim("oura/1", now: start + .seconds(599)) == .replay)
        #expect(machine.claim("oura/1", now: start + .seconds(600)) == .fresh)
    }

    @Test func aRetryWhileTheFirstAttemptProducesWaitsForItsOutcome() {
        var machine = Machine(window: .seconds(600), capacity: 10)
        #expect(machine.claim("whoop/7", now: start) == .fresh)
        #expect(machine.claim("whoop/7", now: start) == .wait)
        #expect(machine.wait("whoop/7", "retry") == .waiting)
        #expect(machine.settle("whoop/7", delivered: true, now: start) == ["retry"])
        #expect(machine.claim("whoop/7", now: start) == .replay)
    }

    @Test func aFailedAttemptReleasesTheIDForTheRetry() {
        var machine = Machine(window: .seconds(600), capacity: 10)
        #expect(machine.claim("oura/2", now: start) == .fresh)
        #expect(machine.wait("oura/2", "retry") == .waiting)
        #expect(machine.settle("oura/2", delivered: false, now: start) == ["retry"])
        #expect(machine.claim("oura/2", now: start) == .fresh)
    }

    @Test func aWaiterArrivingAfterTheAttemptSettledClaimsAgain() {
        var machine = Machine(window: .seconds(600), capacity: 10)
        #expect(machine.claim("oura/3", now: start) == .fresh)
        #expect(machine.settle("oura/3", delivered: false, now: start).isEmpty)
        #expect(machine.wait("oura/3", "late") == .claimAgain)
    }

    @Test func pastItsCapacityTheOldestIDsAreForgottenEarly() {
        var machine = Machine(window: .seconds(600), capacity: 2)
        for id in 1...3 {
            #expect(machine.claim("oura/\(id)", now: start) == .fresh)
            _ = machine.settle("oura/\(id)", delivered: true, now: start)
        }
        #expect(machine.claim("oura/4", now: start) == .fresh)
        #expect(machine.count == 3)
        #expect(machine.claim("oura/1", now: start) == .fresh)
        #expect(machine.claim("oura/3", now: start) == .replay)
    }
}
