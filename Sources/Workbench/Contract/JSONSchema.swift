import Foundation
import Pipeline

/// A JSON Schema (draft 2020-12) limited to the keywords the bridge's
/// published contracts use. A schema naming any other keyword is refused when
/// it is read, so a contract can never grow a rule this validator would
/// silently skip; Python's `jsonschema` checks the same documents in the
/// agent's tests.
public struct JSONSchema: Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// One way a value breaks the schema, at a JSON Pointer into the value.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
    }

    private let root: JSONValue
    private let definitions: [String: JSONValue]

    static let annotations: Set<String> = ["$schema", "$id", "$defs", "title", "description", "examples"]
    static let assertions: Set<String> = [
        "type", "enum", "const", "required", "properties", "additionalProperties", "$ref",
        "pattern", "minLength", "maxLength", "minimum", "maximum", "format",
    ]

    public init(text: String) throws(Invalid) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw Invalid(description: "the schema is not JSON: \(error)")
        }
        guard case .object(let members) = root else { throw Invalid(description: "a schema must be an object") }
        var definitions: [String: JSONValue] = [:]
        if let defs = members.first(where: { $0.key == "$defs" })?.value {
            guard case .object(let entries) = defs else { throw Invalid(description: "$defs must be an object") }
            for entry in entries { definitions[entry.key] = entry.value }
        }
        self.root = root
        self.definitions = definitions
        try Self.check(root, at: "#")
        for (name, definition) in definitions { try Self.check(definition, at: "#/$defs/\(name)") }
    }

    public init(contentsOf url: URL) throws(Invalid) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw Invalid(description: "cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(text: text)
    }

    /// Every violation of `value`; empty when it conforms.
    public func violations(of value: JSONValue) -> [Violation] {
        var found: [Violation] = []
        validate(value, against: root, path: "", into: &found)
        return found
    }

    // MARK: Reading the schema

    private static func check(_ schema: JSONValue, at location: String) throws(Invalid) {
        guard case .object(let members) = schema else { throw Invalid(description: "\(location) must be an object") }
        for (keyword, value) in members {
            guard annotations.contains(keyword) || assertions.contains(keyword) else {
                throw Invalid(description: "\(location) uses \(keyword), which this validator does not implement")
            }
            switch keyword {
            case "properties":
                guard case .object(let properties) = value else { throw Invalid(description: "\(location)/properties must be an object") }
                for property in properties { try check(property.value, at: "\(location)/properties/\(property.key)") }
            case "additionalProperties":
                if case .bool = value { continue }
                try check(value, at: "\(location)/additionalProperties")
            case "$ref":
                guard let reference = value.stringValue, reference.hasPrefix("#/$defs/") else {
                    throw Invalid(description: "\(location): only local #/$defs/… references are implemented")
                }
            case "pattern":
                guard let pattern = value.stringValue, (try? NSRegularExpression(pattern: pattern)) != nil else {
                    throw Invalid(description: "\(location): pattern is not a regular expression")
                }
            case "format":
                guard value.stringValue == "date-time" else { throw Invalid(description: "\(location): only the date-time format is implemented") }
            default:
                continue
            }
        }
    }

    // MARK: Validating

    private func validate(_ value: JSONValue, against schema: JSONValue, path: String, into found: inout [Violation]) {
        guard case .object(let members) = schema else { return }
        func fail(_ message: String) { found.append(Violation(path: path, message: message)) }
        for (keyword, rule) in members {
            switch keyword {
            case "$ref":
                let name = String(rule.stringValue?.dropFirst("#/$defs/".count) ?? "")
                guard let definition = definitions[name] else { fail("$ref to a missing definition \(name)"); continue }
                validate(value, against: definition, path: path, into: &found)
            case "type":
                let allowed = rule.stringValue.map { [$0] } ?? (rule.arrayValue ?? []).compactMap(\.stringValue)
                if !allowed.contains(where: { Self.has(value, type: $0) }) { fail("expected \(allowed.joined(separator: " or ")), found \(Self.typeName(value))") }
            case "enum":
                if !(rule.arrayValue ?? []).contains(where: { Self.equal($0, value) }) { fail("\(Self.render(value)) is not one of the allowed values") }
            case "const":
                if !Self.equal(rule, value) { fail("must be \(Self.render(rule))") }
            case "required":
                guard case .object(let fields) = value else { continue }
                for name in (rule.arrayValue ?? []).compactMap(\.stringValue) where !fields.contains(where: { $0.key == name }) {
                    fail("missing required member \(name)")
                }
            case "properties":
                guard case .object(let fields) = value, case .object(let properties) = rule else { continue }
                for field in fields {
                    guard let property = properties.first(where: { $0.key == field.key }) else { continue }
                    validate(field.value, against: property.value, path: path + "/" + field.key, into: &found)
                }
            case "additionalProperties":
                guard case .object(let fields) = value else { continue }
                let declared = Set(members.first { $0.key == "properties" }.flatMap { property -> [String]? in
                    guard case .object(let properties) = property.value else { return nil }
                    return properties.map(\.key)
                } ?? [])
                for field in fields where !declared.contains(field.key) {
                    if case .bool(let allowed) = rule {
                        if !allowed { found.append(Violation(path: path + "/" + field.key, message: "member not allowed by the schema")) }
                    } else {
                        validate(field.value, against: rule, path: path + "/" + field.key, into: &found)
                    }
                }
            case "pattern":
                guard case .string(let text) = value, let pattern = rule.stringValue else { continue }
                if !Self.matches(text, pattern) { fail("\"\(text)\" does not match \(pattern)") }
            case "minLength", "maxLength":
                guard case .string(let text) = value, case .number(let bound) = rule else { continue }
                let length = Double(text.unicodeScalars.count)
                if keyword == "minLength" ? length < bound : length > bound { fail("length \(Int(length)) breaks \(keyword) \(Int(bound))") }
            case "minimum", "maximum":
                guard case .number(let number) = value, case .number(let bound) = rule else { continue }
                if keyword == "minimum" ? number < bound : number > bound { fail("\(number) breaks \(keyword) \(bound)") }
            case "format":
                guard case .string(let text) = value else { continue }
                if TimestampParser.parse(text) == nil { fail("\"\(text)\" is not a date-time") }
            default:
                continue
            }
        }
    }

    private static func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .number(let number)): number == number.rounded()
        default: false
        }
    }

    private static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    private static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        default: false
        }
    }

    private static func render(_ value: JSONValue) -> String {
        if case .string(let text) = value { return "\"\(text)\"" }
        return typeName(value)
    }

    private static func matches(_ text: String, _ pattern: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
