/// Appends little-endian fixed-width values, variable-length integers,
/// times and decimals, and length-prefixed strings: the building blocks of
/// the user-state encoding.
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt16) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Double) { write(Int64(bitPattern: value.bitPattern)) }

    /// Length-prefixed UTF-8, at most 65,535 bytes (ids and names, never text).
    public mutating func write(_ value: String) {
        var value = value
        // Native strings are contiguous UTF-8: one copy, where appending the
        // UTF-8 view walks it byte by byte (most of a state's encoding time).
        value.withUTF8 { utf8 in
            write(UInt16(clamping: utf8.count))
            bytes.append(contentsOf: utf8.prefix(Int(UInt16.max)))
        }
    }

    /// LEB128: seven bits a byte, lowest first; small numbers take one byte.
    public mutating func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Zigzag, then LEB128: small magnitudes of either sign take one byte.
    public mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(CompactEncoding.zigzag(value))
    }

    /// `time`, at or after `reference`, as the distance between them in the
    /// coarsest exact unit (seconds, milliseconds or nanoseconds; two low
    /// bits say which): times near each other cost two to four bytes instead
    /// of eight. A time on the wrong side is written whole.
    public mutating func write(_ time: Timestamp, after reference: Timestamp) {
        write(time, distance: time.nanoseconds &- reference.nanoseconds)
    }

    /// `time`, at or before `reference`, as `write(_:after:)` does.
    public mutating func write(_ time: Timestamp, before reference: Timestamp) {
        write(time, distance: reference.nanoseconds &- time.nanoseconds)
    }

    private mutating func write(_ time: Timestamp, distance: Int64) {
        let unit = CompactEncoding.TimeUnit.coarsest(dividing: distance)
        let units = distance / unit.nanoseconds
        // Beyond 2^62 units the tag's two bits would push out the top ones.
        guard units >= 0, units < 1 << 62 else {
            writeVarint(CompactEncoding.TimeUnit.wholeTimeTag)
            write(time.nanoseconds)
            return
        }
        writeVarint(UInt64(units) << 2 | unit.tag)
    }

    /// A value that is a whole number of millionths (every rounded confidence,
    /// most readings) as that number; any other as its eight bytes. The low
    /// bits say which: 0 a number of millionths, 01 its negative, 11 raw.
    public mutating func writeDecimal(_ value: Double) {
        if let millionths = CompactEncoding.millionths(exactly: value) {
            writeVarint(millionths >= 0 ? UInt64(millionths) << 1 : UInt64(-millionths) << 2 | 1)
        } else {
            writeVarint(CompactEncoding.rawDecimalTag)
            write(value)
        }
    }
}
