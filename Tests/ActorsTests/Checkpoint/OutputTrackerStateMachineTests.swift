@testable import Actors
import Testing

struct OutputTrackerStateMachineTests {
    typealias Machine = OutputTrackerStateMachine<String>

    @Test func aCheckpointWaitsForItsEpochAndTheOnesBeforeOnly() {
        var machine = Machine()
        machine.begin(epoch: 1)
        machine.begin(epoch: 2)
        machine.begin(epoch: 3)
        #expect(machine.wait("checkpoint 2", id: 1, through: 2, cancelled: false).isEmpty)
        #expect(machine.complete(epoch: 2, failure: nil).isEmpty)
        let ready = machine.complete(epoch: 1, failure: nil)
        #expect(ready.map(\.waiter) == ["checkpoint 2"])
        #expect(ready.map(\.outcome) == [.drained])
        // Epoch 3 is still outstanding, and no one waits for it.
        #expect(machine.wait("checkpoint 3", id: 2, through: 3, cancelled: false).isEmpty)
        #expect(machine.complete(epoch: 3, failure: nil).map(\.outcome) == [.drained])
    }

    @Test func nothingOutstandingReleasesAtOnce() {
        var machine = Machine()
        #expect(machine.wait("checkpoint 7", id: 1, through: 7, cancelled: false).map(\.outcome) == [.drained])
    }

    @Test func aFailedDeliveryFailsEveryCheckpointFromThenOn() {
        var machine = Machine()
        machine.begin(epoch: 1)
        machine.begin(epoch: 1)
        #expect(machine.wait("checkpoint 1", id: 1, through: 1, cancelled: false).isEmpty)
        #expect(machine.complete(epoch: 1, failure: "broker gone").map(\.outcome) == [.failed("broker gone")])
        // The first failure is the one reported, also to later checkpoints.
        _ = machine.complete(epoch: 1, failure: "second")
        #expect(machine.wait("checkpoint 2", id: 2, through: 2, cancelled: false).map(\.outcome) == [.failed("broker gone")])
    }

    @Test func cancellationIsATransitionOfItsOwn() {
        var machine = Machine()
        machine.begin(epoch: 1)
        #expect(machine.wait("cancelled before", id: 1, through: 1, cancelled: true).map(\.outcome) == [.cancelled])
        #expect(machine.wait("cancelled while waiting", id: 2, through: 1, cancelled: false).isEmpty)
        #expect(machine.cancel(2) == "cancelled while waiting")
        #expect(machine.cancel(2) == nil)
        // A cancelled waiter is not resumed again when its epoch drains.
        #expect(machine.complete(epoch: 1, failure: nil).isEmpty)
    }
}
