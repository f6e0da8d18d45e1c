@testable import Actors
import Testing

/// The ledger's shell: waiting and waking across tasks. Its decisions, and
/// the window with time passed in, are `DeliveryLedgerStateMachineTests`'.
struct DeliveryLedgerTests {
    @Test func anIDIsAReplayOnlyOnceDelivered() async {
        let ledger = DeliveryLedger()
        #expect(await ledger.claim(provider: "oura", deliveryID: "a") == .fresh)
        ledger.settle(provider: "oura", deliveryID: "a", delivered: false)
        #expect(await ledger.claim(provider: "oura", deliveryID: "a") == .fresh)
        ledger.settle(provider: "oura", deliveryID: "a", delivered: true)
        #expect(await ledger.claim(provider: "oura", deliveryID: "a") == .replay)
        #expect(await ledger.claim(provider: "whoop", deliveryID: "a") == .fresh)
    }

    @Test func aConcurrentCopyWaitsForTheFirstAttempt() async throws {
        let ledger = DeliveryLedger()
        #expect(await ledger.claim(provider: "garmin", deliveryID: "x") == .fresh)
        let copy = Task { await ledger.claim(provider: "garmin", deliveryID: "x") }
        try await eventually("the copy waits") { ledger.waiters(provider: "garmin", deliveryID: "x") == 1 }
        ledger.settle(provider: "garmin", deliveryID: "x", delivered: true)
        #expect(await copy.value == .replay)

        #expect(await ledger.claim(provider: "garmin", deliveryID: "y") == .fresh)
        let retry = Task { await ledger.claim(provider: "garmin", deliveryID: "y") }
        try await eventually("the retry waits") { ledger.waiters(provider: "garmin", deliveryID: "y") == 1 }
        ledger.settle(provider: "garmin", deliveryID: "y", delivered: false)
        #expect(await retry.value == .fresh)
    }

}
