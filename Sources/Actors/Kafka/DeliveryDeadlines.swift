import CRdKafka
import Synchronization

/// Deadlines of `send(_:within:)` calls, in 50 ms slots swept by the
/// producer's polling thread — no timer or task per record, which at tens of
/// thousands of records a second would cost more than the send itself. A
/// record acknowledged in time has already completed its `OneShot`, so the
/// sweep's late failure is ignored.
final class DeliveryDeadlines: Sendable {
    private static let slotNanoseconds: Int64 = 50_000_000

    private struct Slots {
        var waiting: [Int64: [OneShot<KafkaDeliveryReport>]] = [:]
        var earliest = Int64.max
    }

    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private let slots = Mutex(Slots())

    init() {
        origin = clock.now
    }

    func add(_ delivery: OneShot<KafkaDeliveryReport>, within limit: Duration) {
        let slot = (nanoseconds(clock.now - origin) + nanoseconds(limit)) / Self.slotNanoseconds + 1
        slots.withLock { slots in
            slots.waiting[slot, default: []].append(delivery)
            slots.earliest = min(slots.earliest, slot)
        }
    }

    /// Fails every delivery whose deadline has passed.
    func expire() {
        let now = nanoseconds(clock.now - origin) / Self.slotNanoseconds
        let due = slots.withLock { slots -> [OneShot<KafkaDeliveryReport>] in
            guard slots.earliest <= now else { return [] }
            var due: [OneShot<KafkaDeliveryReport>] = []
            for slot in slots.waiting.keys where slot <= now {
                due += slots.waiting.removeValue(forKey: slot) ?? []
            }
            slots.earliest = slots.waiting.keys.min() ?? .max
            return due
        }
        for delivery in due {
            delivery.complete(.failure(KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "waiting for the broker's acknowledgement")))
        }
    }

    private func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
