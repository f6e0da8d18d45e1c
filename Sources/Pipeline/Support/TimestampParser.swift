/// The timestamp forms providers send:
/// `YYYY-MM-DD(T| )hh:mm:ss[.d{1,9}][[ ](Z|±hh:mm|±hhmm)]` (no zone is UTC;
/// `T` and `Z` upper-case), and JSON numbers as epoch seconds — or
/// milliseconds above a configured bound. Anything else is refused, never
/// replaced by "now".
///
/// Years 0000–9999 are the format's; the clock holds 1678–2261. A time
/// before that is refused; one after it is `Timestamp.distantFuture`, which
/// every rule treats as in the future.
public enum TimestampParser {
    public static func parse(_ text: String) -> Timestamp? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// An instant the clock holds, never `distantFuture`: an envelope's own
    /// arrival time, against which samples are judged.
    public static func parseInstant(_ text: String) -> Timestamp? {
        parse(text).flatMap { $0 == .distantFuture ? nil : $0 }
    }

    /// A JSON string in the format above, or a JSON number of epoch seconds
    /// (milliseconds when above `epochMillisecondsAbove`).
    public static func parse(_ value: JSONValue, epochMillisecondsAbove: Double) -> Timestamp? {
        switch value {
        case .string(let text): return parse(text)
        case .number(let number): return fromEpoch(number, millisecondsAbove: epochMillisecondsAbove)
        default: return nil
        }
    }

    public static func fromEpoch(_ number: Double, millisecondsAbove: Double) -> Timestamp? {
        let unit: Int64 = number > millisecondsAbove ? 1_000_000 : 1_000_000_000
        // Years 0…9999 only: what RFC 3339 can write.
        guard number.isFinite, abs(number) * Double(unit) < 253_402_300_800e9 else { return nil }
        let nanoseconds = number * Double(unit)
        guard nanoseconds >= Double(Timestamp.earliest.nanoseconds) else { return nil }
        guard nanoseconds <= Double(Timestamp.latest.nanoseconds) else { return .distantFuture }
        // Whole units exactly, then the fraction: a product in floating point
        // would turn 1763625600250 ms into …249.99 ms.
        let whole = number.rounded(.down)
        let (wholeNanoseconds, overflow) = Int64(whole).multipliedReportingOverflow(by: unit)
        let (sum, sumOverflow) = wholeNanoseconds.addingReportingOverflow(Int64(((number - whole) * Double(unit)).rounded()))
        guard !overflow, !sumOverflow else { return .distantFuture }
        return bounded(Timestamp(nanoseconds: sum))
    }

    /// The clock's range: earlier is refused, later is `distantFuture`.
    private static func bounded(_ time: Timestamp) -> Timestamp? {
        if time < Timestamp.earliest { return nil }
        return time > Timestamp.latest ? .distantFuture : time
    }

    /// `YYYY-MM-DD` as 00:00 UTC of that day (Oura's `day`).
    public static func parseDay(_ text: String) -> Timestamp? {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count == 10, let days = date(bytes, at: 0) else { return nil }
            return seconds(days * 86_400, fraction: 0)
        }
    }

    private static func digits(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int64? {
        guard start + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for index in start..<(start + count) {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Days since the epoch of `YYYY-MM-DD` at `start`.
    private static func date(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int64? {
        guard let year = digits(bytes, start, 4), bytes.count > start + 9,
              bytes[start + 4] == UInt8(ascii: "-"), let month = digits(bytes, start + 5, 2),
              bytes[start + 7] == UInt8(ascii: "-"), let day = digits(bytes, start + 8, 2),
              (1...12).contains(month), day >= 1, day <= Timestamp.daysInMonth(year: year, month: month) else { return nil }
        return Timestamp.days(year: year, month: month, day: day)
    }

    private static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        guard bytes.count >= 19, let days = date(bytes, at: 0),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              let hour = digits(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = digits(bytes, 14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = digits(bytes, 17, 2),
              hour <= 23, minute <= 59, second <= 59 else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var count = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                guard count < 9 else { return nil }
                fraction = fraction * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                count += 1
                index += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<9 { fraction *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if index < bytes.count {
            if bytes[index] == UInt8(ascii: " ") { index += 1 }
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "Z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                guard let offsetHours = digits(bytes, index + 1, 2) else { return nil }
                var next = index + 3
                if next < bytes.count, bytes[next] == UInt8(ascii: ":") { next += 1 }
                guard let offsetMinutes = digits(bytes, next, 2), offsetHours <= 23, offsetMinutes <= 59 else { return nil }
                offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
                index = next + 2
            default:
                return nil
            }
            guard index == bytes.count else { return nil }
        }
        // Years 0000–9999 are about 3·10^11 seconds: these sums cannot overflow.
        return seconds(days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds, fraction: fraction)
    }

    private static let earliestSecond = Timestamp.floorDivide(Timestamp.earliest.nanoseconds, 1_000_000_000)
    private static let latestSecond = Timestamp.floorDivide(Timestamp.latest.nanoseconds, 1_000_000_000)

    /// Seconds since the epoch plus nanoseconds, checked against the clock's
    /// range before they are multiplied into nanoseconds.
    private static func seconds(_ seconds: Int64, fraction: Int64) -> Timestamp? {
        if seconds < earliestSecond { return nil }
        if seconds > latestSecond { return .distantFuture }
        return Timestamp(nanoseconds: seconds * 1_000_000_000 + fraction)
    }
}
