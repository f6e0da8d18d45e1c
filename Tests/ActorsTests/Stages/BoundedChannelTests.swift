@testable import Actors
import Synchronization
import Testing

struct BoundedChannelTests {
    /// A sender and a receiver on two threads of the pool race on every
    /// element: the receiver must get each exactly once, in sending order,
    /// and never sleep while an element waits. A lost wake-up stops the
    /// stream for good, so the test fails when nothing arrives for 30 s — not
    /// after a fixed time, which the whole suite's load on the two pool
    /// threads (other tests' long computations) could exceed.
    ///
    /// One sender racing one receiver: every element once, in order, no lost wake-up.
    @Test(arguments: [1, 4])
    func orderUnderContention(capacity: Int) async throws {
        let channel = BoundedChannel<Int>(capacity: capacity)
        let count = 300_000
        let progress = Atomic<Int>(0)
        let sender = Task.detached {
            for value in 0..<count { await channel.send(value) }
            channel.finish()
        }
        let receiver = Task.detached {
            var received = 0
            var outOfOrder = 0
            while let value = await channel.next() {
                if value != received { outOfOrder += 1 }
                received += 1
                progress.store(received, ordering: .relaxed)
            }
            return (received: received, outOfOrder: outOfOrder)
        }
        var seen = -1
        var still = ContinuousClock.now
        while progress.load(ordering: .relaxed) < count {
            try await Task.sleep(for: .milliseconds(200))
            let now = progress.load(ordering: .relaxed)
            if now != seen { (seen, still) = (now, .now) }
            if ContinuousClock.now - still > .seconds(30) {
                Issue.record("no element arrived for 30 s after \(now) of \(count): a lost wake-up")
                channel.finish()
                return
            }
        }
        let outcome = await receiver.value
        await sender.value
        #expect(outcome.received == count)
        #expect(outcome.outOfOrder == 0)
    }

    /// A full channel suspends its sender until the receiver takes an element.
    @Test func fullChannelSuspendsTheSender() async throws {
        let channel = BoundedChannel<Int>(capacity: 2)
        await channel.send(1)
        await channel.send(2)
        let third = Atomic<Bool>(false)
        let sender = Task {
            await channel.send(3)
            third.store(true, ordering: .sequentiallyConsistent)
        }
        // Its element is held by the waiting sender: only a taken element lets it go on.
        try await eventually("the third sender waits") { channel.count == 3 }
        let wentOn = third.load(ordering: .sequentiallyConsistent)
        #expect(!wentOn, "the sender went on although the channel was full")
        #expect(await channel.next() == 1)
        await sender.value
        #expect(await channel.next() == 2)
        #expect(await channel.next() == 3)
    }

    /// Finish: waiting and later senders are refused, the receiver drains what is buffered, then gets nil.
    @Test func finishRefusesSendersAndDrains() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        await channel.send(1)
        let waiting = Task { await channel.send(2) }
        try await eventually("the second sender waits") { channel.count == 2 }
        channel.finish()
        #expect(await waiting.value == false)
        #expect(await channel.send(3) == false)
        #expect(await channel.next() == 1)
        #expect(await channel.next() == nil)
    }

    /// Sending without waiting: taken while there is room, refused (and not kept) when full or finished.
    @Test func sendWithoutWaiting() async throws {
        let channel = BoundedChannel<Int>(capacity: 2)
        #expect(channel.sendWithoutWaiting(1))
        #expect(channel.sendWithoutWaiting(2))
        #expect(!channel.sendWithoutWaiting(3), "the channel is full")
        #expect(await channel.next() == 1)
        #expect(channel.sendWithoutWaiting(4))
        let receiver = Task { [channel] in (await channel.next(), await channel.next(), await channel.next()) }
        try await eventually("the receiver waits") { channel.isReceiverWaiting }
        #expect(channel.sendWithoutWaiting(5), "a waiting receiver takes it directly")
        #expect(await receiver.value == (2, 4, 5))
        channel.finish()
        #expect(!channel.sendWithoutWaiting(6))
        #expect(await channel.next() == nil)
    }

    final class Batch: Sendable {}

    /// A channel keeps nothing it has handed out: taken batches of records
    /// held in the buffer until an occasional compaction kept about a
    /// kilobyte per user alive in `bench users`.
    @Test func anElementTakenIsNoLongerHeld() async {
        let channel = BoundedChannel<Batch>(capacity: 4)
        weak var taken: Batch?
        for _ in 0..<10 {
            let batch = Batch()
            taken = batch
            await channel.send(batch)
            _ = await channel.next()
        }
        #expect(taken == nil, "the last batch taken is still referenced by the channel")
    }
}

/// Cancellation ends a wait: a stage loop whose task is cancelled ends.
struct BoundedChannelCancellationTests {
    @Test func aCancelledSenderIsRefusedAndTheOthersKeepTheirOrder() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        await channel.send(1)
        let cancelled = Task { await channel.send(2) }
        try await eventually("the first sender waits") { channel.count == 2 }
        let kept = Task { await channel.send(3) }
        try await eventually("the second sender waits") { channel.count == 3 }
        cancelled.cancel()
        #expect(await cancelled.value == false)
        #expect(await channel.next() == 1)
        #expect(await channel.next() == 3)
        #expect(await kept.value)
    }

    @Test func aCancelledReceiverGetsNil() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        let receiver = Task { await channel.next() }
        try await eventually("the receiver waits") { channel.isReceiverWaiting }
        receiver.cancel()
        #expect(await receiver.value == nil)
        // The channel goes on for the next receiver.
        await channel.send(7)
        #expect(await channel.next() == 7)
    }
}
