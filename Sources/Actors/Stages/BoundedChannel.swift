import Synchronization

/// A FIFO queue between two stages that suspends senders while it holds
/// `capacity` elements, so a slow stage slows the ones before it instead of
/// letting memory grow. One consumer. The decisions are
/// `ChannelStateMachine`'s; this shell holds it under a lock and resumes the
/// continuations it names, always outside the lock.
///
/// A cancelled task does not wait here: its send returns false (the element
/// is dropped) and its `next()` returns nil, so a stage loop ends when its
/// task is cancelled.
public final class BoundedChannel<Element: Sendable>: Sendable {
    private typealias Machine = ChannelStateMachine<Element, CheckedContinuation<Bool, Never>, CheckedContinuation<Element?, Never>>

    private let state: Mutex<Machine>
    private let senderIDs = Atomic<UInt64>(0)

    public init(capacity: Int) {
        state = Mutex(Machine(capacity: capacity))
    }

    /// Elements waiting: buffered, and held by suspended senders.
    public var count: Int { state.withLock { $0.count } }

    var isReceiverWaiting: Bool { state.withLock { $0.isReceiverWaiting } }

    /// Appends `element`, suspending while the channel is full. Returns false,
    /// dropping the element, if the channel was finished or the task cancelled.
    @discardableResult
    public func send(_ element: Element) async -> Bool {
        if sendWithoutWaiting(element) { return true }
        let id = senderIDs.wrappingAdd(1, ordering: .relaxed).newValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // `Task.isCancelled` is set before the handler below runs: either
                // the machine sees it here, or the handler finds the sender waiting.
                switch state.withLock({ $0.enqueue(element, sender: continuation, id: id, cancelled: Task.isCancelled) }) {
                case .refused, .cancelled: continuation.resume(returning: false)
                case .buffered: continuation.resume(returning: true)
                case .handTo(let receiver):
                    receiver.resume(returning: element)
                    continuation.resume(returning: true)
                case .waiting: break
                }
            }
        } onCancel: {
            state.withLock { $0.senderCancelled(id) }?.resume(returning: false)
        }
    }

    /// Appends `element` if that needs no waiting; returns false, keeping
    /// nothing, when the channel is full or finished. For threads outside
    /// Swift concurrency, which would otherwise hop onto the pool to send.
    public func sendWithoutWaiting(_ element: Element) -> Bool {
        switch state.withLock({ $0.offer(element) }) {
        case .buffered: return true
        case .handTo(let receiver):
            receiver.resume(returning: element)
            return true
        case .refused, .full: return false
        }
    }

    /// The next element, or nil once the channel is finished and drained, or
    /// the task cancelled.
    public func next() async -> Element? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                switch state.withLock({ $0.receive(continuation, cancelled: Task.isCancelled) }) {
                case .element(let element, let sender):
                    sender?.resume(returning: true)
                    continuation.resume(returning: element)
                case .finished, .cancelled: continuation.resume(returning: nil)
                case .waiting: break
                }
            }
        } onCancel: {
            state.withLock { $0.receiverCancelled() }?.resume(returning: nil)
        }
    }

    /// Ends the channel: senders fail from now on; the consumer drains what is
    /// buffered, then gets nil.
    public func finish() {
        let (receiver, senders) = state.withLock { $0.finish() }
        receiver?.resume(returning: nil)
        senders.forEach { $0.resume(returning: false) }
    }
}
