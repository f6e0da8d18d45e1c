import Pipeline
import Testing

/// The hand-written JSON parser and the timestamp forms.
struct ParsingTests {
    @Test func jsonValues() throws {
        let value = try JSONParser.parse(#"{"a":[1,-2.5,3e2,true,false,null],"b":"x\"y\\z\u00e9\ud83d\ude00","c":{}}"#)
        #expect(value["a"] == .array([.number(1), .number(-2.5), .number(300), .bool(true), .bool(false), .null]))
        #expect(value["b"] == .string("x\"y\\zé😀"))
        #expect(value["c"] == .object([]))
        #expect(value["missing"] == nil)
    }

    @Test(arguments: ["plain", "café 😀", "x\"y\\z", "line\nbreak\ttab\r", "bell\u{07} nul\u{00}", ""])
    func writtenStringsAreEscapedAndReadBack(_ text: String) throws {
        var written = ""
        JSONWriter.appendString(text, to: &written)
        #expect(try JSONParser.parse(written) == .string(text))
        #expect(!written.dropFirst().dropLast().unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func jsonNullIsAbsent() throws {
        #expect(try JSONParser.parse(#"{"a":null}"#)["a"] == nil)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\\x\"", "\"a", "[1] [2]", "{'a':1}", "nul", "\"\u{01}\"", "\"\\ud800\""])
    func invalidJSON(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func rawUTF8IsCheckedWithAndWithoutEscapes() throws {
        #expect(try JSONParser.parse(Array("\"caf\u{e9} \u{1F600}\"".utf8)) == .string("café 😀"))
        #expect(try JSONParser.parse(Array("\"caf\u{e9}\\n\"".utf8)) == .string("café\n"))
        let invalid: [[UInt8]] = [
            [0x22, 0xC3, 0x22], [0x22, 0xFF, 0x61, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22],
        ]
        for bytes in invalid {
            #expect(throws: JSONParser.SyntaxError.self, "\(bytes)") { try JSONParser.parse(bytes) }
        }
    }

    @Test func deepNestingIsRefused() {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
    }

    @Test func spansOfTopLevelMembers() throws {
        let text = Array(#"{"a": [1, 2] , "b":{"c":"}"}}"#.utf8)
        let (_, spans) = try JSONParser.parseWithSpans(text)
        #expect(String(decoding: text[spans["a"]!], as: UTF8.self) == "[1, 2]")
        #expect(String(decoding: text[spans["b"]!], as: UTF8.self) == #"{"c":"}"}"#)
    }

    /// One rule everywhere: of members with the same name the last wins, in
    /// lookups and in spans (replay's `body`), so no two readers of the same
    /// bytes see different values.
    @Test func ofDuplicateMembersTheLastWinsInLookupsAndSpans() throws {
        let text = Array(#"{"user_id":"a","body":{"x":1},"user_id":"b","body":{"x":2}}"#.utf8)
        let (value, spans) = try JSONParser.parseWithSpans(text)
        #expect(value["user_id"] == .string("b"))
        #expect(String(decoding: text[spans["body"]!], as: UTF8.self) == #"{"x":2}"#)
        #expect(value["body"] == (try JSONParser.parse(#"{"x":2}"#)))
        #expect(try JSONParser.parse(#"{"a":1,"a":null}"#)["a"] == nil)
    }

    @Test func numericIDsAreWrittenExactlyOrNotAtAll() throws {
        #expect(JSONValue.number(10129).identifierText == "10129")
        #expect(JSONValue.number(2_000_000_000_000_000).identifierText == "2000000000000000", "no exponent form")
        #expect(try JSONParser.parse("9007199254740993").identifierText == nil, "read as ...992: not the id that was sent")
        #expect(JSONValue.number(1.5).identifierText == nil)
        #expect(JSONValue.string("u-1").identifierText == "u-1")
    }

    @Test func timestampsRoundTripAndOffsetsApply() {
        #expect(TimestampParser.parse("2024-02-06 14:30:00 -0800")?.description == "2024-02-06T22:30:00.000Z")
        #expect(TimestampParser.parse("2026-11-20T08:00:00.123456Z")?.description == "2026-11-20T08:00:00.123Z")
        #expect(TimestampParser.parse("2024-02-29T00:00:00Z") != nil)
        #expect(TimestampParser.parse("2023-02-29T00:00:00Z") == nil)
        #expect(TimestampParser.parse("1969-12-31T23:59:59.500Z")?.description == "1969-12-31T23:59:59.500Z")
        #expect(TimestampParser.fromEpoch(1_763_625_600, millisecondsAbove: 1e11)?.description == "2025-11-20T08:00:00.000Z")
        #expect(TimestampParser.fromEpoch(1_763_625_600_250, millisecondsAbove: 1e11)?.description == "2025-11-20T08:00:00.250Z")
        #expect(TimestampParser.parseDay("2026-11-21")?.description == "2026-11-21T00:00:00.000Z")
    }

    @Test func hoursAndWeekdaysAreUTC() {
        let monday = TimestampParser.parse("2026-11-23T23:30:00Z")!
        #expect(monday.utcWeekday == 0)
        #expect(monday.utcHour == 23)
        #expect(TimestampParser.parse("2026-11-23T23:30:00-02:00")!.utcWeekday == 1, "01:30 UTC on Tuesday")
        #expect(TimestampParser.parse("1970-01-01T00:00:00Z")!.utcWeekday == 3, "a Thursday")
    }

    @Test func roundingIsHalfEvenToSixDecimals() {
        #expect(Rounding.sixDecimals(0.8333333333) == 0.833333)
        #expect(Rounding.sixDecimals(0.56) == 0.56)
        #expect(Rounding.sixDecimals(0.49) == 0.49)
        #expect(Rounding.sixDecimals(2.5e-7) == 0)
        #expect(Rounding.sixDecimals(7.5e-7) == 1e-6)
    }
}
