/// A parsed JSON value. Objects keep their members in document order (they
/// are small, and a linear lookup beats hashing at this size). Of members
/// with the same name the last wins, in lookups as in the parser's spans —
/// as most JSON readers, a provider's among them, would read the same bytes.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The member named `key`; JSON `null` counts as absent.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members.reversed() where member.key == key {
            if case .null = member.value { return nil }
            return member.value
        }
        return nil
    }

    /// An id written as a string, or as a JSON integer in plain decimal.
    /// An integer from 2^53 on may have lost digits in the double it was
    /// read into, so it is no id (writing it could name someone else).
    public var identifierText: String? {
        switch self {
        case .string(let text): return text
        case .number(let number) where number == number.rounded() && abs(number) < 9_007_199_254_740_992:
            return String(Int64(number))
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }
}
