import Actors
import Testing

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
        try await Task.sleep(for: .milliseconds(100))
        ledger.settle(provider: "garmin", deliveryID: "x", delivered: true)
        #expect(await copy.value == .replay)

        #expect(await ledger.claim(provider: "garmin", deliveryID: "y") == .fresh)
        let retry = Task { await ledger.claim(provider: "garmin", deliveryID: "y") }
        try await Task.sleep(for: .milliseconds(100))
        ledger.settle(provider: "garmin", deliveryID: "y", delivered: false)
        #expect(await retry.value == .fresh)
    }

    @Test func idsAreForgottenAfterTheWindow() async throws {
        let ledger = DeliveryLedger(window: .milliseconds(200))
        _ = await ledger.claim(provider: "oura", deliveryID: "old")
        ledger.settle(provider: "oura", deliveryID: "old", delivered: true)
        #expect(await ledger.claim(provider: "oura", deliveryID: "old") == .replay)
        try await Task.sleep(for: .milliseconds(300))
        #expect(await ledger.claim(provider: "oura", deliveryID: "old") == .fresh)
    }
}
