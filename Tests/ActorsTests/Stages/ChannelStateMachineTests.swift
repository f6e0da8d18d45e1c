@testable import Actors
import Testing

/// The bounded channel's decisions line by line: senders and the receiver
/// are numbers, nothing suspends.
struct ChannelStateMachineTests {
    typealias Machine = ChannelStateMachine<String, Int, Int>

    @Test func buffersUpToItsCapacityThenSendersWait() {
        var machine = Machine(capacity: 2)
        #expect(machine.offer("a") == .buffered)
        #expect(machine.offer("b") == .buffered)
        #expect(machine.offer("c") == .full)
        #expect(machine.enqueue("c", sender: 1, id: 1, cancelled: false) == .waiting)
        #expect(machine.count == 3)
    }

    @Test func aTakenElementLetsTheFirstWaitingSenderInInArrivalOrder() {
        var machine = Machine(capacity: 1)
        #expect(machine.offer("a") == .buffered)
        #expect(machine.enqueue("b", sender: 1, id: 1, cancelled: false) == .waiting)
        #expect(machine.enqueue("c", sender: 2, id: 2, cancelled: false) == .waiting)
        // A later sender does not overtake the waiting ones.
        #expect(machine.offer("d") == .full)
        #expect(machine.receive(10, cancelled: false) == .element("a", resume: 1))
        #expect(machine.receive(10, cancelled: false) == .element("b", resume: 2))
        #expect(machine.receive(10, cancelled: false) == .element("c", resume: nil))
        #expect(machine.receive(10, cancelled: false) == .waiting)
    }

    @Test func aWaitingReceiverIsHandedTheNextElement() {
        var machine = Machine(capacity: 1)
        #expect(machine.receive(10, cancelled: false) == .waiting)
        #expect(machine.offer("a") == .handTo(10))
        #expect(machine.count == 0)
    }

    @Test func aSenderThatFoundTheChannelFullIsNotLeftBesideASleepingReceiver() {
        var machine = Machine(capacity: 1)
        #expect(machine.offer("a") == .buffered)
        #expect(machine.offer("b") == .full)
        // Between the sender's two looks the receiver drained the channel and slept.
        #expect(machine.receive(10, cancelled: false) == .element("a", resume: nil))
        #expect(machine.receive(10, cancelled: false) == .waiting)
        #expect(machine.enqueue("b", sender: 1, id: 1, cancelled: false) == .handTo(10))
    }

    @Test func finishDrainsWhatIsBufferedAndRefusesSenders() {
        var machine = Machine(capacity: 1)
        #expect(machine.offer("a") == .buffered)
        #expect(machine.enqueue("b", sender: 1, id: 1, cancelled: false) == .waiting)
        let finished = machine.finish()
        #expect(finished.receiver == nil)
        #expect(finished.senders == [1])
        #expect(machine.offer("c") == .refused)
        #expect(machine.enqueue("c", sender: 2, id: 2, cancelled: false) == .refused)
        #expect(machine.receive(10, cancelled: false) == .element("a", resume: nil))
        #expect(machine.receive(10, cancelled: false) == .finished)
    }

    @Test func finishWakesAReceiverWaitingOnAnEmptyChannel() {
        var machine = Machine(capacity: 1)
        #expect(machine.receive(10, cancelled: false) == .waiting)
        #expect(machine.finish().receiver == 10)
    }

    @Test func aCancelledSenderLeavesTheQueueAndTheOthersKeepTheirPlaces() {
        var machine = Machine(capacity: 1)
        #expect(machine.offer("a") == .buffered)
        #expect(machine.enqueue("b", sender: 1, id: 1, cancelled: false) == .waiting)
        #expect(machine.enqueue("c", sender: 2, id: 2, cancelled: false) == .waiting)
        #expect(machine.senderCancelled(1) == 1)
        #expect(machine.senderCancelled(1) == nil)
        #expect(machine.receive(10, cancelled: false) == .element("a", resume: 2))
        #expect(machine.receive(10, cancelled: false) == .element("c", resume: nil))
    }

    @Test func aSenderCancelledBeforeItWaitsDoesNotWait() {
        var machine = Machine(capacity: 1)
        #expect(machine.offer("a") == .buffered)
        #expect(machine.enqueue("b", sender: 1, id: 1, cancelled: true) == .cancelled)
        #expect(machine.count == 1)
        // Where there is room, a cancelled sender's element goes in: that send needs no waiting.
        #expect(machine.receive(10, cancelled: false) == .element("a", resume: nil))
        #expect(machine.enqueue("b", sender: 1, id: 1, cancelled: true) == .buffered)
    }

    @Test func aCancelledReceiverGetsWhatIsBufferedThenNothing() {
        var machine = Machine(capacity: 2)
        #expect(machine.offer("a") == .buffered)
        #expect(machine.receive(10, cancelled: true) == .element("a", resume: nil))
        #expect(machine.receive(10, cancelled: true) == .cancelled)
        #expect(machine.receive(11, cancelled: false) == .waiting)
        #expect(machine.receiverCancelled() == 11)
        #expect(machine.receiverCancelled() == nil)
        #expect(machine.offer("b") == .buffered)
    }
}

extension ChannelStateMachine.Offer: Equatable where Receiver: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.refused, .refused), (.buffered, .buffered), (.full, .full): true
        case (.handTo(let left), .handTo(let right)): left == right
        default: false
        }
    }
}

extension ChannelStateMachine.Enqueued: Equatable where Receiver: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.refused, .refused), (.buffered, .buffered), (.waiting, .waiting), (.cancelled, .cancelled): true
        case (.handTo(let left), .handTo(let right)): left == right
        default: false
        }
    }
}

extension ChannelStateMachine.Receive: Equatable where Element: Equatable, Sender: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.finished, .finished), (.waiting, .waiting), (.cancelled, .cancelled): true
        case (.element(let left, let leftSender), .element(let right, let rightSender)): left == right && leftSender == rightSender
        default: false
        }
    }
}
