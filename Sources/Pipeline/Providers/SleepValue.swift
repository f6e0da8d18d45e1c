/// HealthKit sleep-analysis values: the raw integers 0…5 or their names
///. Nothing else is mapped: `Awake` is never "in bed".
enum SleepValue {
    enum Parsed: Equatable {
        case value(Double)
        case invalid
    }

    private static let prefix = "hkcategoryvaluesleepanalysis"

    private static let names: [String: Double] = [
        "inbed": 0, "asleep": 1, "asleepunspecified": 1, "awake": 2,
        "asleepcore": 3, "core": 3, "asleepdeep": 4, "deep": 4, "asleeprem": 5, "rem": 5,
    ]

    /// A whole number is taken as is (the range check judges 0…5); a name is
    /// mapped; anything else is invalid.
    static func parse(_ value: JSONValue?) -> Parsed {
        switch value {
        case .number(let number):
            return number == number.rounded() ? .value(number) : .invalid
        case .string(let text):
            var lowered = text.lowercased()
            if lowered.hasPrefix(prefix) { lowered.removeFirst(prefix.count) }
            return names[lowered].map(Parsed.value) ?? .invalid
        default:
            return .invalid
        }
    }
}
