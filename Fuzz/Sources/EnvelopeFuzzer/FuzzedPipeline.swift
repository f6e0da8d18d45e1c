import Pipeline

/// What one input goes through: the paths a record from outside takes — as
/// a `replay` line (envelope parsing), and as the body of each provider with
/// each record type (normalise → validate → decide, then again as a
/// duplicate) — and every state it makes through the codec. Any trap is a
/// crash libFuzzer keeps.
enum FuzzedPipeline {
    static let processor = EnvelopeProcessor(configuration: BridgeConfiguration())
    static let receivedAt = TimestampParser.parse("2026-11-20T08:00:00Z")!
    static let dataTypes: [String?] = [nil, "sleep", "daily_readiness", "daily_sleep", "recovery", "workout"]

    static func run(_ bytes: [UInt8]) {
        var states: [String: UserState] = [:]
        if let envelope = try? EnvelopeLine.decode(bytes) {
            _ = processor.process(envelope, in: &states)
            _ = processor.process(envelope, in: &states)
        }
        for provider in Provider.allCases {
            for dataType in dataTypes {
                let envelope = Envelope(provider: provider, userID: "fuzz", receivedAt: receivedAt, dataType: dataType, body: bytes)
                _ = processor.process(envelope, in: &states)
            }
        }
        for state in states.values {
            _ = try? UserStateCodec.decode(UserStateCodec.encode(state), userID: state.userID)
        }
        _ = try? UserStateCodec.decode(bytes, userID: "fuzz")
    }
}
