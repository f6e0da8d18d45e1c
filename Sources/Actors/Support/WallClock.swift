import Foundation
import Pipeline

extension Timestamp {
    /// The current wall-clock time, to the millisecond.
    public static var now: Timestamp {
        Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
    }
}
