/// Writes compact JSON with members in the order given — the mode-switch
/// JSON has a documented key order, and byte-identical output lets a replay
/// be compared with `diff`.
public struct JSONWriter {
    public private(set) var text = ""
    private var needsComma = false

    public init() {}

    public mutating func beginObject() {
        separate()
        text += "{"
        needsComma = false
    }

    public mutating func endObject() {
        text += "}"
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        text += "["
        needsComma = false
    }

    public mutating func endArray() {
        text += "]"
        needsComma = true
    }

    public mutating func key(_ name: String) {
        separate()
        Self.appendString(name, to: &text)
        text += ":"
        needsComma = false
    }

    public mutating func member(_ name: String, _ value: String) {
        key(name)
        Self.appendString(value, to: &text)
        needsComma = true
    }

    /// `null` when absent.
    public mutating func member(_ name: String, _ value: String?) {
        key(name)
        if let value { Self.appendString(value, to: &text) } else { text += "null" }
        needsComma = true
    }

    public mutating func member(_ name: String, _ value: Double?) {
        key(name)
        text += value.map(Self.number) ?? "null"
        needsComma = true
    }

    public mutating func member(_ name: String, _ value: Int) {
        key(name)
        text += String(value)
        needsComma = true
    }

    /// A parsed value written back, members in their order (one record of
    /// a provider's list, re-emitted on its own).
    public mutating func value(_ value: JSONValue) {
        separate()
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .number(let number): text += Self.number(number)
        case .string(let string): Self.appendString(string, to: &text)
        case .array(let elements):
            text += "["
            needsComma = false
            for element in elements { self.value(element) }
            text += "]"
        case .object(let members):
            text += "{"
            needsComma = false
            for member in members {
                key(member.key)
                self.value(member.value)
            }
            text += "}"
        }
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { text += "," }
    }

    /// Whole numbers without a fraction (`30`), others in the shortest form
    /// that reads back as the same double (`0.875`).
    public static func number(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.isFinite ? String(value) : "null"
    }

    public static func appendString(_ value: String, to text: inout String) {
        text += "\""
        // Every character JSON escapes is ASCII, so a scan of the UTF-8 bytes
        // finds them; most strings have none and are appended whole, which is
        // several times faster than a scalar at a time.
        guard value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            text += value
            text += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
