/// Splits a SQL file into statements. PostgreSQL's extended protocol (the only
/// one postgres-nio speaks) runs one statement per query, so a migration file
/// is cut at the semicolons that end statements — not those inside strings,
/// quoted identifiers, dollar-quoted bodies or comments.
public enum SQLScript {
    public struct Statement: Sendable, Equatable {
        public let sql: String
        /// 1-based line where the statement starts, for error messages.
        public let line: Int
    }

    public static func statements(in script: String) -> [Statement] {
        let text = Array(script.unicodeScalars)
        var statements: [Statement] = []
        var start = 0
        var index = 0
        var line = 1
        var startLine = 1
        var hasCode = false

        func finish(upTo end: Int) {
            let sql = String(String.UnicodeScalarView(text[start..<end])).trimmingWhitespace
            if hasCode { statements.append(Statement(sql: sql, line: startLine)) }
            hasCode = false
        }

        func skip(until terminator: [Unicode.Scalar], escapedBy escape: Unicode.Scalar? = nil) {
            while index < text.count {
                if let escape, text[index] == escape, index + 1 < text.count {
                    if text[index + 1] == "\n" { line += 1 }
                    index += 2
                    continue
                }
                if text[index...].starts(with: terminator) {
                    index += terminator.count
                    return
                }
                if text[index] == "\n" { line += 1 }
                index += 1
            }
        }

        while index < text.count {
            let scalar = text[index]
            if !hasCode, !scalar.properties.isWhitespace, scalar != ";",
               !text[index...].starts(with: ["-", "-"]), !text[index...].starts(with: ["/", "*"]) {
                // Comments before a statement are not part of it.
                hasCode = true
                start = index
                startLine = line
            }
            switch scalar {
            case "\n":
                line += 1
                index += 1
            case "-" where text[index...].starts(with: ["-", "-"]):
                skip(until: ["\n"])
                line += 1
            case "/" where text[index...].starts(with: ["/", "*"]):
                index += 2
                skip(until: ["*", "/"])
            case "'":
                let backslashEscapes = index > 0 && (text[index - 1] == "E" || text[index - 1] == "e")
                index += 1
                // '' inside a string is an escaped quote: two strings back to back.
                skip(until: ["'"], escapedBy: backslashEscapes ? "\\" : nil)
            case "\"":
                index += 1
                skip(until: ["\""])
            case "$":
                if let tag = dollarQuoteTag(in: text, at: index) {
                    index += tag.count
                    skip(until: tag)
                } else {
                    index += 1
                }
            case ";":
                finish(upTo: index)
                index += 1
            default:
                index += 1
            }
        }
        finish(upTo: text.count)
        return statements
    }

    /// `$$` or `$tag$` at `index`, if one starts there.
    private static func dollarQuoteTag(in text: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
        var end = index + 1
        while end < text.count, text[end] == "_" || text[end].properties.isAlphabetic || (end > index + 1 && text[end].properties.numericType != nil) {
            end += 1
        }
        guard end < text.count, text[end] == "$" else { return nil }
        return Array(text[index...end])
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
