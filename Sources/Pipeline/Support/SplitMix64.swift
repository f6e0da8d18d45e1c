/// SplitMix64: a small deterministic random source, for synthetic data that
/// must be the same on every run (the demo's users, test streams).
public struct SplitMix64: Sendable {
    private static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.finalize(state)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double {
        Self.unit(next())
    }

    /// The one value a generator seeded with `seed` yields first: a
    /// well-mixed hash of `seed`, for noise that is a function of its inputs.
    public static func hash(_ seed: UInt64) -> UInt64 {
        finalize(seed &+ increment)
    }

    /// The top 53 bits as a double in [0, 1).
    public static func unit(_ value: UInt64) -> Double {
        Double(value >> 11) / Double(1 << 53)
    }

    private static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
