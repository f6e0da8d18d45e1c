/// Appends little-endian fixed-width values and length-prefixed strings: the
/// building blocks of the user-state encoding.
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt16) {
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

    public mutating func write(_ value: Double?) {
        write(value == nil ? UInt8(0) : 1)
        if let value { write(value) }
    }

    public mutating func write(_ value: Timestamp?) {
        write(value == nil ? UInt8(0) : 1)
        if let value { write(value.nanoseconds) }
    }
}
