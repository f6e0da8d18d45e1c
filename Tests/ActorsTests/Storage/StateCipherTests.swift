import Actors
import Logging
import Pipeline
import Testing

/// Values at rest are bound to their purpose, user and version.
struct StateCipherTests {
    static let cipher = try! StateCipher.fromEnvironment([:], allowingDevelopmentKey: true, logger: Logger(label: "tests"))

    @Test func aSealedValueOpensOnlyInItsOwnContext() throws {
        let sealed = try Self.cipher.seal(Array("state".utf8), for: .userState(user: "ada", version: 7))
        let keyID = Self.cipher.currentKeyID
        #expect(try Self.cipher.open(sealed, keyID: keyID, for: .userState(user: "ada", version: 7)) == Array("state".utf8))
        for other: SealingContext in [
            .userState(user: "bob", version: 7),  // another user's row
            .userState(user: "ada", version: 6),  // an older state put back
            .deviceKey(user: "ada", keyID: "7"),  // another purpose
        ] {
            #expect(throws: StateCipher.Failure.self, "\(other)") { try Self.cipher.open(sealed, keyID: keyID, for: other) }
        }
    }

    /// Written before contexts were bound: the user id alone as associated data.
    @Test func aValueSealedForItsUserAloneStillOpens() throws {
        let legacy = Hex.decode("000102030405060708090a0b11bc998c3c89b39303a130008b99e185b0ad4587a0f8242728598be26eb7c8b4a099e57b777c")!
        let opened = try Self.cipher.open(legacy, keyID: "development", for: .userState(user: "user-legacy", version: 3))
        #expect(String(decoding: opened, as: UTF8.self) == "sealed before contexts")
        #expect(throws: StateCipher.Failure.self) { try Self.cipher.open(legacy, keyID: "development", for: .userState(user: "someone", version: 3)) }
    }

    /// `serve` without keys refuses; the development key is used only when asked for.
    @Test func theDevelopmentKeyIsUsedOnlyWhenAllowed() {
        #expect(throws: StateCipher.Failure.self) {
            try StateCipher.fromEnvironment([:], allowingDevelopmentKey: false, logger: Logger(label: "tests"))
        }
        #expect(Self.cipher.currentKeyID == "development")
    }
}
