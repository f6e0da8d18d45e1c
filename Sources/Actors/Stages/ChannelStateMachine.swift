/// The decisions of a bounded FIFO channel with one receiver, apart from
/// locks and continuations: `BoundedChannel` holds it under a lock and
/// resumes what its actions name. `Sender` and `Receiver` are whatever the
/// shell resumes (continuations there, numbers in the tests).
///
/// Senders that find the channel full wait in arrival order and are taken in
/// that order, so every consumer's view of the stream stays in order.
struct ChannelStateMachine<Element, Sender, Receiver> {
    /// What a sender may do with its element.
    enum Offer {
        case refused
        case buffered
        case handTo(Receiver)
        /// No room: the sender has to wait (`enqueue`).
        case full
    }

    /// What became of a sender that waits.
    enum Enqueued {
        case refused
        case buffered
        case handTo(Receiver)
        case waiting
        /// Its task was cancelled before it could wait: the element is dropped.
        case cancelled
    }

    /// What the receiver gets.
    enum Receive {
        /// An element, and the waiting sender whose element took the freed place.
        case element(Element, resume: Sender?)
        case finished
        case waiting
        case cancelled
    }

    let capacity: Int
    /// Taken elements are set to nil at once: the array is compacted only
    /// now and then, and a slot still holding a taken batch of records kept
    /// up to a thousand batches alive per channel (found by `bench users`:
    /// the RSS grew by a kilobyte per user).
    private var buffer: [Element?] = []
    private var head = 0
    private var waitingSenders: [(id: UInt64, element: Element, sender: Sender)] = []
    private var waitingReceiver: Receiver?
    private var finished = false

    init(capacity: Int) {
        precondition(capacity > 0, "a channel needs room for one element")
        self.capacity = capacity
    }

    /// Elements waiting: buffered, and held by waiting senders.
    var count: Int { buffer.count - head + waitingSenders.count }

    var isReceiverWaiting: Bool { waitingReceiver != nil }

    mutating func offer(_ element: Element) -> Offer {
        if finished { return .refused }
        if let receiver = waitingReceiver {
            waitingReceiver = nil
            return .handTo(receiver)
        }
        if buffer.count - head < capacity && waitingSenders.isEmpty {
            buffer.append(element)
            return .buffered
        }
        return .full
    }

    /// A sender that found the channel full waits — unless the receiver
    /// drained it meanwhile, so no element waits beside a sleeping receiver.
    mutating func enqueue(_ element: Element, sender: Sender, id: UInt64, cancelled: Bool) -> Enqueued {
        switch offer(element) {
        case .refused: return .refused
        case .buffered: return .buffered
        case .handTo(let receiver): return .handTo(receiver)
        case .full:
            if cancelled { return .cancelled }
            waitingSenders.append((id, element, sender))
            return .waiting
        }
    }

    /// The waiting sender `id` was cancelled: it is to be resumed, its element dropped.
    mutating func senderCancelled(_ id: UInt64) -> Sender? {
        guard let index = waitingSenders.firstIndex(where: { $0.id == id }) else { return nil }
        return waitingSenders.remove(at: index).sender
    }

    mutating func receive(_ receiver: Receiver, cancelled: Bool) -> Receive {
        if let element = popFirst() {
            // Room for the first waiting sender, in arrival order.
            guard !waitingSenders.isEmpty else { return .element(element, resume: nil) }
            let waiting = waitingSenders.removeFirst()
            buffer.append(waiting.element)
            return .element(element, resume: waiting.sender)
        }
        if !waitingSenders.isEmpty {
            let waiting = waitingSenders.removeFirst()
            return .element(waiting.element, resume: waiting.sender)
        }
        if finished { return .finished }
        if cancelled { return .cancelled }
        waitingReceiver = receiver
        return .waiting
    }

    /// The waiting receiver was cancelled: it is to be resumed with nothing.
    mutating func receiverCancelled() -> Receiver? {
        defer { waitingReceiver = nil }
        return waitingReceiver
    }

    /// Senders fail from now on; the receiver drains what is buffered, then
    /// gets nothing. Returns who to resume: the receiver if it waits on an
    /// empty channel, and every waiting sender (their elements are dropped).
    mutating func finish() -> (receiver: Receiver?, senders: [Sender]) {
        finished = true
        let receiver = buffer.count == head ? waitingReceiver : nil
        if receiver != nil { waitingReceiver = nil }
        let senders = waitingSenders.map(\.sender)
        waitingSenders.removeAll()
        return (receiver, senders)
    }

    private mutating func popFirst() -> Element? {
        guard head < buffer.count else { return nil }
        let element = buffer[head].take()
        head += 1
        if head > 1024, head * 2 > buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
        return element
    }
}
