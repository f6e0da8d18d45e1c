/// An instant, in nanoseconds since the Unix epoch (UTC). All times in the
/// pipeline are event times read from the data, never the wall clock, so a
/// replay decides as the live processor did.
///
/// Nanoseconds in an `Int64` reach only from 1677 to 2262, and times come from
/// senders (iOS writes `Date.distantFuture`, the year 4001, into real
/// batches). So the parser accepts `earliest...latest` and maps any later
/// time to `distantFuture`, and every operation here saturates instead of
/// trapping: no input can stop the process on an overflow.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// Saturates at the ends of the clock.
    public init(milliseconds: Int64) {
        let (product, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
        self.nanoseconds = overflow ? (milliseconds < 0 ? .min : .max) : product
    }

    /// 1678-01-01T00:00:00Z, the first whole year the clock holds.
    public static let earliest = Timestamp(nanoseconds: days(year: 1678, month: 1, day: 1) * nanosecondsPerDay)
    /// 2261-12-31T23:59:59.999999999Z, the end of the last whole year the clock holds.
    public static let latest = Timestamp(nanoseconds: days(year: 2262, month: 1, day: 1) * nanosecondsPerDay - 1)
    /// Stands for any parsed time after `latest`: later than every envelope's
    /// arrival, so always `future_timestamp`, never a reading.
    public static let distantFuture = Timestamp(nanoseconds: .max)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `self − other`, in seconds.
    public func seconds(since other: Timestamp) -> Double {
        let (difference, overflow) = nanoseconds.subtractingReportingOverflow(other.nanoseconds)
        // Only two times near opposite ends of the clock overflow; a
        // difference that large needs no nanosecond precision.
        return overflow ? (Double(nanoseconds) - Double(other.nanoseconds)) / 1e9 : Double(difference) / 1e9
    }

    /// Saturates at the ends of the clock.
    public func adding(seconds: Double) -> Timestamp {
        let delta = (seconds * 1e9).rounded()
        guard !delta.isNaN else { return self }
        // ±9.2e18 lies inside Int64; `Int64(2^63)` would trap.
        guard delta > -9.2e18, delta < 9.2e18 else { return Timestamp(nanoseconds: delta < 0 ? .min : .max) }
        let (sum, overflow) = nanoseconds.addingReportingOverflow(Int64(delta))
        return overflow ? Timestamp(nanoseconds: delta < 0 ? .min : .max) : Timestamp(nanoseconds: sum)
    }

    public var millisecondsSinceEpoch: Int64 { Self.floorDivide(nanoseconds, 1_000_000) }

    private static let nanosecondsPerDay: Int64 = 86_400 * 1_000_000_000

    private var daysSinceEpoch: Int64 { Self.floorDivide(nanoseconds, Self.nanosecondsPerDay) }

    /// Nanoseconds since midnight UTC; a remainder, not `days × nanosecondsPerDay`,
    /// which overflows near the ends of the clock.
    private var nanosecondsOfDay: Int64 {
        let remainder = nanoseconds % Self.nanosecondsPerDay
        return remainder < 0 ? remainder + Self.nanosecondsPerDay : remainder
    }

    /// 0…23.
    public var utcHour: Int {
        Int(nanosecondsOfDay / 3_600_000_000_000)
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    public var utcWeekday: Int {
        Int(((daysSinceEpoch % 7) + 7 + 3) % 7)
    }

    /// RFC 3339 in UTC with milliseconds (truncated): `2026-11-20T08:00:00.000Z`.
    public var description: String {
        let (year, month, day) = Self.civil(fromDays: daysSinceEpoch)
        let millisecondsOfDay = nanosecondsOfDay / 1_000_000
        let hour = millisecondsOfDay / 3_600_000
        let minute = millisecondsOfDay / 60_000 % 60
        let second = millisecondsOfDay / 1_000 % 60
        let millisecond = millisecondsOfDay % 1_000
        var text = ""
        text.reserveCapacity(24)
        text += Self.padded(year, 4) + "-" + Self.padded(month, 2) + "-" + Self.padded(day, 2)
        text += "T" + Self.padded(hour, 2) + ":" + Self.padded(minute, 2) + ":" + Self.padded(second, 2)
        text += "." + Self.padded(millisecond, 3) + "Z"
        return text
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
