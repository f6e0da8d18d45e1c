import Actors
import Foundation
import Pipeline
import Testing

/// Known-answer vectors computed outside this code: the Standard Webhooks
/// one is the specification's own test vector; the others were computed
/// with `openssl dgst -sha256 -hmac SECRET` over `timestamp + body`.
struct WebhookSignatureTests {
    static let ouraBody = Array(#"{"event_type":"create","data_type":"sleep","object_id":"8f3a2c1e","user_id":"oura-user-1"}"#.utf8)
    static let ouraSecret = Array("oura-client-secret-2026".utf8)
    static let ouraSignature = "0cd407ba02d1a76577625f7ef4f36081b4f5f5b4a4d96fba56a17ba1846c304e"
    /// The same body and timestamp under `oura-client-secret-new`.
    static let ouraRotatedSignature = "7a7f5e044675f6c613f1ca9228a4fa5db08cf2565dd16bacf4397a6ce8c16647"

    static let whoopBody = Array(#"{"user_id":10129,"id":"550e8400-e29b-41d4-a716-446655440000","type":"recovery.updated","trace_id":"d3c4b1a2-7e6f-4d5c-9b8a-1f2e3d4c5b6a"}"#.utf8)
    static let whoopSecret = Array("whoop-client-secret".utf8)
    static let whoopTimestamp = "1764240000123"
    static let whoopSignature = "DN3Yy+vIjYUzw1V7hxbsbJGbSs1jemmDE6AIdPVztVo="

    static let standardSecret = StandardWebhookSecret.decode("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!
    static let standardID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let standardTimestamp = "1614265330"
    static let standardBody = Array(#"{"test": 2432232314}"#.utf8)
    static let standardSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    static let signedAt = Timestamp(milliseconds: 1_764_240_000_000)
    let verifier = WebhookSignature(tolerance: 300)

    private func failure(_ check: () throws(SignatureFailure) -> Void) -> String? {
        do {
            try check()
            return nil
        } catch {
            return error.code
        }
    }

    @Test func ouraVectorVerifiesInEitherCaseAndOnlyWithItsSecret() {
        let now = Self.signedAt.adding(seconds: 10)
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: Self.ouraSignature, timestamp: "1764240000", body: Self.ouraBody, secrets: [Self.ouraSecret], now: now)
        } == nil)
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: Self.ouraSignature.uppercased(), timestamp: "1764240000", body: Self.ouraBody, secrets: [Self.ouraSecret], now: now)
        } == nil)
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: Self.ouraSignature, timestamp: "1764240000", body: Self.ouraBody + [32], secrets: [Self.ouraSecret], now: now)
        } == "invalid_signature")
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: Self.ouraSignature, timestamp: "1764240001", body: Self.ouraBody, secrets: [Self.ouraSecret], now: now)
        } == "invalid_signature")
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: Self.ouraRotatedSignature, timestamp: "1764240000", body: Self.ouraBody,
                                    secrets: [Self.ouraSecret, Array("oura-client-secret-new".utf8)], now: now)
        } == nil)
    }

    @Test func ouraRefusesMissingMalformedAndStaleHeaders() {
        let now = Self.signedAt
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: nil, timestamp: "1764240000", body: Self.ouraBody, secrets: [Self.ouraSecret], now: now)
        } == "missing_signature")
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: Self.ouraSignature, timestamp: nil, body: Self.ouraBody, secrets: [Self.ouraSecret], now: now)
        } == "missing_signature")
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: "zz" + Self.ouraSignature.dropFirst(2), timestamp: "1764240000", body: Self.ouraBody, secrets: [Self.ouraSecret], now: now)
        } == "malformed_signature")
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: Self.ouraSignature, timestamp: "yesterday", body: Self.ouraBody, secrets: [Self.ouraSecret], now: now)
        } == "malformed_signature")
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: Self.ouraSignature, timestamp: "1764240000", body: Self.ouraBody, secrets: [Self.ouraSecret],
                                    now: now.adding(seconds: 301))
        } == "stale_timestamp")
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyOura(signature: Self.ouraSignature, timestamp: "1764240000", body: Self.ouraBody, secrets: [Self.ouraSecret],
                                    now: now.adding(seconds: -301))
        } == "stale_timestamp")
    }

    @Test func whoopVectorWithAMillisecondTimestamp() {
        let now = Self.signedAt.adding(seconds: 5)
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyWhoop(signature: Self.whoopSignature, timestamp: Self.whoopTimestamp, body: Self.whoopBody, secrets: [Self.whoopSecret], now: now)
        } == nil)
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyWhoop(signature: Self.whoopSignature, timestamp: Self.whoopTimestamp, body: Self.whoopBody,
                                     secrets: [Array("other".utf8)], now: now)
        } == "invalid_signature")
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyWhoop(signature: "not base64!", timestamp: Self.whoopTimestamp, body: Self.whoopBody, secrets: [Self.whoopSecret], now: now)
        } == "malformed_signature")
        #expect(failure { () throws(SignatureFailure) in
            try verifier.verifyWhoop(signature: Self.whoopSignature, timestamp: Self.whoopTimestamp, body: Self.whoopBody, secrets: [Self.whoopSecret],
                                     now: now.adding(seconds: 400))
        } == "stale_timestamp")
    }

    @Test func standardWebhooksSpecificationVector() {
        let now = Timestamp(milliseconds: 1_614_265_330_000)
        let verify = { (signature: String?, id: String?, secrets: [[UInt8]]) -> String? in
            failure { () throws(SignatureFailure) in
                try verifier.verifyStandard(id: id, timestamp: Self.standardTimestamp, signature: signature, body: Self.standardBody,
                                            secrets: secrets, now: now)
            }
        }
        #expect(verify(Self.standardSignature, Self.standardID, [Self.standardSecret]) == nil)
        #expect(verify("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + Self.standardSignature, Self.standardID, [Self.standardSecret]) == nil)
        #expect(verify(Self.standardSignature, Self.standardID, [Array("rotated-out".utf8), Self.standardSecret]) == nil)
        #expect(verify(Self.standardSignature, "msg_other", [Self.standardSecret]) == "invalid_signature")
        #expect(verify("v2," + Self.standardSignature.dropFirst(3), Self.standardID, [Self.standardSecret]) == "malformed_signature")
        #expect(verify(nil, Self.standardID, [Self.standardSecret]) == "missing_signature")
        #expect(verify(Self.standardSignature, nil, [Self.standardSecret]) == "missing_signature")
        #expect(WebhookSignature.standardHeader(id: Self.standardID, timestamp: Self.standardTimestamp, body: Self.standardBody,
                                                secret: Self.standardSecret) == Self.standardSignature)
    }
}
