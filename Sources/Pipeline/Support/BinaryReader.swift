/// Reads what `BinaryWriter` wrote, refusing truncated or inconsistent input
/// with an error rather than trapping.
public struct BinaryReader {
    public struct Truncated: Error, CustomStringConvertible {
        public let description: String
    }

    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { position == bytes.count }

    private mutating func take(_ count: Int) throws(Truncated) -> ArraySlice<UInt8> {
        guard count >= 0, position + count <= bytes.count else {
            throw Truncated(description: "needed \(count) bytes at offset \(position) of \(bytes.count)")
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    public mutating func readByte() throws(Truncated) -> UInt8 { try take(1).first! }

    public mutating func readUInt16() throws(Truncated) -> UInt16 {
        let slice = try take(2)
        return UInt16(slice[slice.startIndex]) | UInt16(slice[slice.startIndex + 1]) << 8
    }

    public mutating func readUInt32() throws(Truncated) -> UInt32 {
        var value: UInt32 = 0
        for (shift, byte) in try take(4).enumerated() { value |= UInt32(byte) << (8 * UInt32(shift)) }
        return value
    }

    public mutating func readInt64() throws(Truncated) -> Int64 {
        var value: UInt64 = 0
        for (shift, byte) in try take(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        return Int64(bitPattern: value)
    }

    public mutating func readDouble() throws(Truncated) -> Double {
        Double(bitPattern: UInt64(bitPattern: try readInt64()))
    }

    public mutating func readString() throws(Truncated) -> String {
        String(decoding: try take(Int(try readUInt16())), as: UTF8.self)
    }

    public mutating func readOptionalDouble() throws(Truncated) -> Double? {
        try readByte() == 0 ? nil : try readDouble()
    }

    public mutating func readOptionalTimestamp() throws(Truncated) -> Timestamp? {
        try readByte() == 0 ? nil : Timestamp(nanoseconds: try readInt64())
    }

    public mutating func readVarint() throws(Truncated) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: UInt64(0), to: 64, by: 7) {
            let byte = try readByte()
            // The tenth byte holds the 64th bit only.
            guard shift < 63 || byte <= 1 else { throw Truncated(description: "a variable-length integer beyond 64 bits at offset \(position)") }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
        }
        throw Truncated(description: "a variable-length integer beyond ten bytes at offset \(position)")
    }

    public mutating func readSignedVarint() throws(Truncated) -> Int64 {
        CompactEncoding.unzigzag(try readVarint())
    }

    /// A count of items that take at least one byte each: larger than what
    /// is left means a corrupt count, refused before anything is allocated.
    public mutating func readCount() throws(Truncated) -> Int {
        let count = try readVarint()
        guard count <= UInt64(bytes.count - position) else {
            throw Truncated(description: "a count of \(count) with \(bytes.count - position) bytes left")
        }
        return Int(count)
    }

    public mutating func readTime(after reference: Timestamp) throws(Truncated) -> Timestamp {
        try readTime { reference.nanoseconds &+ $0 }
    }

    public mutating func readTime(before reference: Timestamp) throws(Truncated) -> Timestamp {
        try readTime { reference.nanoseconds &- $0 }
    }

    /// A distance and its unit, or a whole time: see `BinaryWriter.write(_:after:)`.
    private mutating func readTime(placing: (Int64) -> Int64) throws(Truncated) -> Timestamp {
        let tagged = try readVarint()
        let tag = tagged & 3
        guard tag != CompactEncoding.TimeUnit.wholeTimeTag else { return Timestamp(nanoseconds: try readInt64()) }
        let units = Int64(bitPattern: tagged >> 2)
        return Timestamp(nanoseconds: placing(units &* CompactEncoding.TimeUnit.byTag[Int(tag)].nanoseconds))
    }

    public mutating func readDecimal() throws(Truncated) -> Double {
        let tagged = try readVarint()
        if tagged & 1 == 0 { return CompactEncoding.value(ofMillionths: Int64(bitPattern: tagged >> 1)) }
        if tagged & 3 == 1 { return CompactEncoding.value(ofMillionths: -Int64(bitPattern: tagged >> 2)) }
        guard tagged == CompactEncoding.rawDecimalTag else { throw Truncated(description: "an unknown number tag \(tagged) at offset \(position)") }
        return try readDouble()
    }
}
