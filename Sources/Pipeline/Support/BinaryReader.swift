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
}
