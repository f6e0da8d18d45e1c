import Synchronization

/// A FIFO queue between two stages that suspends senders while it holds
/// `capacity` elements, so a slow stage slows the ones before it instead of
/// letting memory grow. Suspended senders resume in the order they arrived,
/// which keeps every consumer's view of the stream in order. One consumer.
public final class BoundedChannel<Element: Sendable>: Sendable {
    private struct State {
        /// Taken elements are set to nil at once: the array is compacted only
        /// now and then, and a slot still holding a taken batch of records
        /// kept up to a thousand batches alive per channel (found by `bench
        /// users`: the RSS grew by a kilobyte per user).
        var buffer: [Element?] = []
        var head = 0
        var waitingSenders: [(Element, CheckedContinuation<Bool, Never>)] = []
        var waitingReceiver: CheckedContinuation<Element?, Never>?
        var finished = false

        var count: Int { buffer.count - head }

        mutating func popFirst() -> Element? {
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

    /// What a sender may do with its element at the moment it holds the lock.
    private enum Offer {
        case refused
        case buffered
        case handTo(CheckedContinuation<Element?, Never>)
        case full
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        precondition(capacity > 0, "a channel needs room for one element")
        self.capacity = capacity
    }

    /// Elements waiting: buffered, and held by suspended senders.
    public var count: Int { state.withLock { $0.count + $0.waitingSenders.count } }

    /// Appends `element`, suspending while the channel is full. Returns false
    /// if the channel was finished (the element is dropped with it).
    @discardableResult
    public func send(_ element: Element) async -> Bool {
        if sendWithoutWaiting(element) { return true }
        return await withCheckedContinuation { continuation in
            // The receiver may have drained the channel and gone to sleep
            // since the first look: decide again, and queue up in the same
            // critical section, so no element waits beside a sleeping receiver.
            let offer = state.withLock { state in
                let offer = self.offer(element, to: &state)
                if case .full = offer { state.waitingSenders.append((element, continuation)) }
                return offer
            }
            switch offer {
            case .refused: continuation.resume(returning: false)
            case .buffered: continuation.resume(returning: true)
            case .handTo(let receiver):
                receiver.resume(returning: element)
                continuation.resume(returning: true)
            case .full: break
            }
        }
    }

    /// Appends `element` if that needs no waiting; returns false, keeping
    /// nothing, when the channel is full or finished. For threads outside
    /// Swift concurrency, which would otherwise hop onto the pool to send.
    public func sendWithoutWaiting(_ element: Element) -> Bool {
        switch state.withLock({ offer(element, to: &$0) }) {
        case .buffered: return true
        case .handTo(let receiver):
            receiver.resume(returning: element)
            return true
        case .refused, .full: return false
        }
    }

    private func offer(_ element: Element, to state: inout State) -> Offer {
        if state.finished { return .refused }
        if let receiver = state.waitingReceiver {
            state.waitingReceiver = nil
            return .handTo(receiver)
        }
        if state.count < capacity && state.waitingSenders.isEmpty {
            state.buffer.append(element)
            return .buffered
        }
        return .full
    }

    /// The next element, or nil once the channel is finished and drained.
    public func next() async -> Element? {
        await withCheckedContinuation { continuation in
            let (element, sender): (Element??, CheckedContinuation<Bool, Never>?) = state.withLock { state in
                if let element = state.popFirst() {
                    // Room for the first waiting sender, in arrival order.
                    if !state.waitingSenders.isEmpty {
                        let (waiting, sender) = state.waitingSenders.removeFirst()
                        state.buffer.append(waiting)
                        return (.some(element), sender)
                    }
                    return (.some(element), nil)
                }
                if !state.waitingSenders.isEmpty {
                    let (waiting, sender) = state.waitingSenders.removeFirst()
                    return (.some(waiting), sender)
                }
                if state.finished { return (.some(nil), nil) }
                state.waitingReceiver = continuation
                return (nil, nil)
            }
            sender?.resume(returning: true)
            if let element { continuation.resume(returning: element) }
        }
    }

    /// Ends the channel: senders fail from now on; the consumer drains what is
    /// buffered, then gets nil.
    public func finish() {
        let (receiver, senders) = state.withLock { state -> (CheckedContinuation<Element?, Never>?, [CheckedContinuation<Bool, Never>]) in
            state.finished = true
            let receiver = state.count == 0 ? state.waitingReceiver : nil
            if receiver != nil { state.waitingReceiver = nil }
            let senders = state.waitingSenders.map(\.1)
            state.waitingSenders.removeAll()
            return (receiver, senders)
        }
        receiver?.resume(returning: nil)
        senders.forEach { $0.resume(returning: false) }
    }
}
