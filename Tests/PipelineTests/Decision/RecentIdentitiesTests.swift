import Pipeline
import Testing

/// Remembered identities are 16-byte digests: ids of any length stay
/// distinct, and states stored with the ids' text are still read.
struct RecentIdentitiesTests {
    @Test func idsThatDifferOnlyFarIntoTheirTextAreDifferentIdentities() {
        let prefix = String(repeating: "p", count: 5_000)
        var identities = RecentIdentities()
        identities.remember(.init(prefix + "-1"), capacity: 64)
        #expect(identities.contains(.init(prefix + "-1")))
        #expect(!identities.contains(.init(prefix + "-2")))
    }

    @Test func theOldestIsForgottenPastTheCapacity() {
        var identities = RecentIdentities()
        for index in 0..<5 { identities.remember(.init("id-\(index)"), capacity: 4) }
        #expect(!identities.contains(.init("id-0")))
        #expect((1..<5).allSatisfy { identities.contains(.init("id-\($0)")) })
        #expect(identities.digests == (1..<5).map { RecentIdentities.Digest("id-\($0)") })
    }

    @Test func aStateStoredWithItsIdsAsTextIsReadWithThemDigested() throws {
        let fresh = UserStateCodec.encode(UserState(userID: "user-1"))
        // Format 1 ended with the ids' text, then the switch history.
        var tail = BinaryWriter()
        tail.write(UInt16(2))
        tail.write("event-1")
        tail.write("delivery-1")
        tail.write(UInt16(0))
        let legacy: [UInt8] = [1] + Array(fresh.dropFirst().dropLast(4)) + tail.bytes
        let state = try UserStateCodec.decode(legacy)
        #expect(state.recentIdentities.digests == [.init("event-1"), .init("delivery-1")])
        let current = UserStateCodec.encode(state)
        #expect(current.first == 2)
        #expect(try UserStateCodec.decode(current) == state)
    }
}
