import Pipeline
import Testing

/// Remembered identities are 16-byte digests: ids of any length stay distinct.
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
}
