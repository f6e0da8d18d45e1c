import Synchronization

/// A FIFO queue between two stages that suspends senders while it holds
/// `capacity` elements, so a slow stage slows the ones before it instead of
/// letting memory grow. Suspended senders resume in the order they arrived,
/// which keeps every consumer's view of the stream in order. One consumer.
public final class BoundedChannel<Element: Sendable>: Sendable {
    private struct State {
        var buffer: [Element] = []
        var head = 0
        var waitingSenders: [(Element, CheckedContinuation<Bool, Never>)] = []
        var waitingReceiver: CheckedContinuation<Element?, Never>?
        var finished = false

        var count: Int { buffer.count - head }

        mutating func popFirst() -> Element? {
            guard head < buffer.count else { return nil }
            let element = buffer[head]
            head += 1
            if head > 1024, head * 2 > buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return element
        }
    }

    private enum SendAction {
        case done(Bool)
        case deliver(CheckedContinuation<Element?, Never>)
        case wait
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        precondition(capacity > 0, "a channel needs room for one element")
        self.capacity = capacity
    }

    /// Appends `element`, suspending while the channel is full. Returns false
    /// if the channel was finished (the element is dropped with it).
    @discardableResult
    public func send(_ element: Element) async -> Bool {
        let action: SendAction = state.withLock { state in
            if state.finished { return .done(false) }
            if let receiver = state.waitingReceiver {
                state.waitingReceiver = nil
                return .deliver(receiver)
            }
            if state.count < capacity && state.waitingSenders.isEmpty {
                state.buffer.append(element)
                return .done(true)
            }
            return .wait
        }
        switch action {
        case .done(let accepted):
            return accepted
        case .deliver(let receiver):
            receiver.resume(returning: element)
            return true
        case .wait:
            return await withCheckedContinuation { continuation in
                let immediate: Bool? = state.withLock { state in
                    if state.finished { return false }
                    if state.count < capacity && state.waitingSenders.isEmpty {
                        state.buffer.append(element)
                        return true
                    }
                    state.waitingSenders.append((element, continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        }
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
