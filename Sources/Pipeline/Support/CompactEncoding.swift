/// The number forms behind `BinaryWriter`'s compact values: zigzag for
/// signed integers, time distances in the coarsest exact unit, doubles that
/// are whole millionths.
enum CompactEncoding {
    /// Small magnitudes of either sign become small unsigned numbers.
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: value << 1 ^ value >> 63)
    }

    static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    /// The unit a time distance is counted in; its tag is the two low bits.
    struct TimeUnit {
        let nanoseconds: Int64
        let tag: UInt64

        static let second = TimeUnit(nanoseconds: 1_000_000_000, tag: 0)
        static let millisecond = TimeUnit(nanoseconds: 1_000_000, tag: 1)
        static let nanosecond = TimeUnit(nanoseconds: 1, tag: 2)
        /// The tag of a time written whole, in eight bytes, instead.
        static let wholeTimeTag: UInt64 = 3
        static let byTag = [second, millisecond, nanosecond]

        static func coarsest(dividing distance: Int64) -> TimeUnit {
            if distance % second.nanoseconds == 0 { return second }
            if distance % millisecond.nanoseconds == 0 { return millisecond }
            return nanosecond
        }
    }

    static let millionthsPerUnit = 1_000_000.0
    /// `BinaryWriter.writeDecimal`'s tag of a value written as its eight bytes.
    static let rawDecimalTag: UInt64 = 3
    /// Beyond 2^53 millionths an integer no longer names one double.
    static let largestMillionths = 9_007_199_254_740_992.0

    /// `value` as a whole number of millionths, when that is exactly what it is.
    static func millionths(exactly value: Double) -> Int64? {
        let scaled = (value * millionthsPerUnit).rounded(.toNearestOrEven)
        guard scaled.isFinite, abs(scaled) <= largestMillionths else { return nil }
        let millionths = Int64(scaled)
        // Compared bit for bit, so -0.0 and values between millionths keep their eight bytes.
        return Self.value(ofMillionths: millionths).bitPattern == value.bitPattern ? millionths : nil
    }

    static func value(ofMillionths millionths: Int64) -> Double {
        Double(millionths) / millionthsPerUnit
    }
}
