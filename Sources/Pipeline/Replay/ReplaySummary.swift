/// What a replay saw, for the summary on stderr.
public struct ReplaySummary: Sendable, Equatable {
    public var lines = 0
    public var malformedLines = 0
    public var events = 0
    public var readings = 0
    public var lateReadings = 0
    public var duplicates = 0
    public var notFetched = 0
    public var deadLettered = 0
    public var borderline = 0
    public var users = 0
    /// Whole records and single samples, by reason.
    public var rejections: [RejectionReason: Int] = [:]
    /// By new mode.
    public var switches: [CognitiveMode: Int] = [:]

    public init() {}

    public var switchCount: Int { switches.values.reduce(0, +) }

    /// A small table for people.
    public var report: String {
        var lines = [
            "replay summary",
            "  lines              \(self.lines)",
            "  malformed lines    \(malformedLines)",
            "  users              \(users)",
            "  events decided     \(events)",
            "  readings applied   \(readings)",
            "  late readings      \(lateReadings)",
            "  duplicates         \(duplicates)",
            "  not fetched        \(notFetched)",
            "  dead-lettered      \(deadLettered)",
            "  borderline         \(borderline)",
            "  mode switches      \(switchCount)",
        ]
        for mode in CognitiveMode.allCases where switches[mode, default: 0] > 0 {
            lines.append("    → \(mode.rawValue.padding(14))\(switches[mode]!)")
        }
        lines.append("  rejections         \(rejections.values.reduce(0, +))")
        for (reason, count) in rejections.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(reason.rawValue.padding(16))\(count)")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
