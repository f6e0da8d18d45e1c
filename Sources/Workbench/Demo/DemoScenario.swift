import Actors
import Foundation
import Pipeline

/// Four simulated days of each demo user's body, as their devices would send
/// it: an Apple Watch batch (heart rate, HRV SDNN, steps) every 10 minutes
/// with a circadian rhythm, the night's sleep stages from HealthKit each
/// morning, and each morning's recovery from a ring or a strap: every other
/// user wears an Oura ring (its daily readiness score), the others a WHOOP
/// (the night's sleep and the recovery). The provider's simulated cloud
/// stores the record and sends its notification; the fetcher fetches it.
/// The same scripted episodes for everyone, a little later for each user:
///
/// - day 1, 15:00 — an acute stress spike (HR ≈ 122, HRV ≈ 24 ms for 20 min): reflex, then back to pattern;
/// - days 2–3 — a poor-recovery stretch (WHOOP recovery 28 and 33): guardian, back to pattern when recovery returns on day 4;
/// - day 4, 14:00 — an anomaly (HRV far above baseline with HR ≈ 95): hypothesis, then back to pattern.
///
/// Everything is a function of the user and the time, so every run sends the
/// same bodies for the same start.
public struct DemoScenario: Sendable {
    public enum Route: Sendable {
        case healthKit
        case whoop
        case oura
    }

    /// The record a provider's cloud stores before it sends the
    /// notification naming it — what the fetcher then fetches.
    public enum ProviderRecord: Sendable {
        case whoopSleep(id: String, json: String)
        /// The recovery of the sleep's cycle.
        case whoopRecovery(sleepID: String, cycleID: Int, json: String)
        case ouraReadiness(id: String, day: String, json: String)

        public var dataType: String {
            switch self {
            case .whoopSleep: "sleep"
            case .whoopRecovery: "recovery"
            case .ouraReadiness: "daily_readiness"
            }
        }

        public var json: String {
            switch self {
            case .whoopSleep(_, let json), .whoopRecovery(_, _, let json), .ouraReadiness(_, _, let json): json
            }
        }
    }

    public struct Delivery: Sendable {
        public let user: Int
        public let time: Timestamp
        public let route: Route
        /// The request body: a HealthKit batch, or a provider's notification.
        public let body: [UInt8]
        /// Stored in the provider's cloud just before the notification goes.
        public let record: ProviderRecord?
        /// What the watch measured, for the report's timelines.
        public let heartRate: Double?
        public let hrv: Double?
    }

    public struct Expected: Sendable, Equatable, CustomStringConvertible {
        public let mode: String
        public let reason: String

        public init(mode: String, reason: String) {
            self.mode = mode
            self.reason = reason
        }

        public var description: String { "\(mode) (\(reason))" }
    }

    /// The script needs four days; `start` is that long before the run begins.
    public static let scriptedSeconds: Int64 = 4 * 86_400
    static let batchSeconds: Int64 = 600

    public let users: Int
    public let start: Timestamp
    /// Simulated seconds covered (the whole script unless the run is shortened).
    public let seconds: Int64

    public init(users: Int, start: Timestamp, seconds: Int64 = scriptedSeconds) {
        self.users = users
        self.start = start
        self.seconds = seconds
    }

    public static func userID(_ user: Int) -> String { "demo-user-\(user)" }
    public static func whoopID(_ user: Int) -> Int { 10_000 + user }
    public static func ouraID(_ user: Int) -> String { "oura-\(user)" }
    /// Every other user wears an Oura ring, the others a WHOOP strap.
    public static func wearsOura(_ user: Int) -> Bool { user % 2 == 0 }

    /// The thresholds the script is written for: `base`, with a recovery
    /// score current for 72 hours rather than 24. Oura dates its daily
    /// readiness at midnight, and a score sent just before midnight is dated
    /// nearly a day before it arrives: the last one is then almost 48 hours
    /// old when the next comes (later still, after fetching), and the default
    /// would leave its wearers without a current recovery in between.
    public static func thresholds(_ base: BridgeConfiguration) -> BridgeConfiguration {
        var thresholds = base
        thresholds.freshness[Metric.recoveryScore.rawValue] = 72 * 3600
        return thresholds
    }

    /// Each user's episodes start a little later than the previous user's.
    static func offset(_ user: Int) -> Int64 { Int64(user * 37 % 120) * 60 }

    private static let spikeStart: Int64 = 15 * 3600
    private static let spikeLength: Int64 = 20 * 60
    private static let anomalyStart: Int64 = 3 * 86_400 + 14 * 3600
    private static let anomalyLength: Int64 = 10 * 60
    /// When the morning's recovery is scored. WHOOP's is dated when scored,
    /// so it comes an hour earlier each day: a new one always arrives before
    /// the last goes stale, even when fetching it takes a simulated hour.
    /// Oura's is dated at midnight, one a calendar day, 24 hours apart.
    private static func recoveryTime(day: Int, user: Int) -> Int64 {
        Int64(day) * 86_400 + 6 * 3600 + 55 * 60 - (wearsOura(user) ? 0 : Int64(day) * 3600)
    }
    private static let recoveryByDay: [Double] = [78, 28, 33, 80]
    private static let rmssdByDay: [Double] = [56, 48, 49, 57]

    /// The switches the script produces for any user, in order, up to `seconds`.
    public func expected(for user: Int) -> [Expected] {
        let offset = Self.offset(user)
        let script: [(Int64, Expected)] = [
            (Self.spikeStart, Expected(mode: "reflex", reason: "hrv_drop")),
            (Self.spikeStart + Self.spikeLength, Expected(mode: "pattern", reason: "returned_to_baseline")),
            (Self.recoveryTime(day: 1, user: user), Expected(mode: "guardian", reason: "low_recovery")),
            (Self.recoveryTime(day: 3, user: user), Expected(mode: "pattern", reason: "returned_to_baseline")),
            (Self.anomalyStart, Expected(mode: "hypothesis", reason: "anomaly")),
            (Self.anomalyStart + Self.anomalyLength, Expected(mode: "pattern", reason: "returned_to_baseline")),
        ]
        return script.filter { $0.0 + offset + Self.batchSeconds <= seconds }.map(\.1)
    }

    /// Every delivery of every user, in time order.
    public func deliveries() -> [Delivery] {
        var all: [Delivery] = []
        for user in 0..<users {
            let offset = Self.offset(user)
            var second = offset
            var batch = 0
            while second < seconds {
                all.append(watchBatch(user: user, second: second, index: batch))
                second += Self.batchSeconds
                batch += 1
            }
            for day in 0..<4 {
                let recovery = Self.recoveryTime(day: day, user: user) + offset
                if recovery < seconds {
                    if Self.wearsOura(user) { all.append(ouraReadiness(user: user, second: recovery, day: day)) } else { all += whoop(user: user, second: recovery, day: day) }
                }
                let wake = Int64(day) * 86_400 + 7 * 3600 + 5 * 60 + offset
                if day > 0, wake < seconds { all.append(sleepBatch(user: user, second: wake)) }
            }
        }
        return all.sorted { ($0.time, $0.user) < ($1.time, $1.user) }
    }

    private func watchBatch(user: Int, second: Int64, index: Int) -> Delivery {
        let time = start.adding(seconds: Double(second))
        let relative = second - Self.offset(user)
        let hour = Double(second % 86_400) / 3600
        let rhythm = sin(2 * .pi * (hour - 10) / 24)
        let asleep = hour >= 23 || hour < 7
        var heartRate = 62 + 7 * rhythm - (asleep ? 5 : 0) + 3 * noise(user, index, 1)
        var hrv = 55 - 6 * rhythm + 4 * noise(user, index, 2)
        if (Self.spikeStart..<Self.spikeStart + Self.spikeLength).contains(relative) {
            heartRate = 122 + 3 * noise(user, index, 3)
            hrv = 24 + 2 * noise(user, index, 4)
        } else if (Self.anomalyStart..<Self.anomalyStart + Self.anomalyLength).contains(relative) {
            heartRate = 95 + noise(user, index, 5)
            hrv = 92 + 2 * noise(user, index, 6)
        }
        heartRate = (heartRate * 10).rounded() / 10
        hrv = (hrv * 10).rounded() / 10
        let steps = asleep ? 0 : Int(300 + 250 * noise(user, index, 7))
        var samples = [
            #"{"type":"HKQuantityTypeIdentifierHeartRate","value":\#(heartRate),"unit":"count/min","timestamp":"\#(time)","source":"Apple Watch"}"#,
            #"{"type":"HKQuantityTypeIdentifierHeartRateVariabilitySDNN","value":\#(hrv),"unit":"ms","timestamp":"\#(time)","source":"Apple Watch"}"#,
            #"{"type":"stepCount","value":\#(steps),"unit":"count","timestamp":"\#(time)","source":"iPhone"}"#,
        ]
        // Now and then a sensor glitch, as real devices send: rejected per
        // sample, and the batch's other samples still count.
        if index % 97 == 41 {
            samples.append(#"{"type":"heartRate","value":400,"unit":"count/min","timestamp":"\#(time)","source":"Apple Watch"}"#)
        }
        if index % 211 == 17 {
            samples.append(#"{"type":"bodyTemperature","value":36.6,"unit":"kelvin","timestamp":"\#(time)","source":"Apple Watch"}"#)
        }
        let body = #"{"user_id":"\#(Self.userID(user))","samples":[\#(samples.joined(separator: ","))]}"#
        return Delivery(user: user, time: time, route: .healthKit, body: Array(body.utf8), record: nil, heartRate: heartRate, hrv: hrv)
    }

    /// The night's sleep and the morning's recovery, stored in WHOOP's cloud,
    /// then both notifications (the recovery names its sleep).
    private func whoop(user: Int, second: Int64, day: Int) -> [Delivery] {
        let time = start.adding(seconds: Double(second))
        let recovery = (Self.recoveryByDay[day] + 2 * noise(user, day, 8)).rounded()
        let rmssd = (Self.rmssdByDay[day] + noise(user, day, 9)).rounded()
        let whoopUser = Self.whoopID(user)
        let sleepID = "sleep-\(user)-\(day)"
        let cycle = whoopUser * 10 + day
        let sleep = #"{"id":"\#(sleepID)","cycle_id":\#(cycle),"user_id":\#(whoopUser),"start":"\#(time.adding(seconds: -28_800))","end":"\#(time.adding(seconds: -300))","score_state":"SCORED","score":{"stage_summary":{"total_light_sleep_time_milli":14400000,"total_slow_wave_sleep_time_milli":5400000,"total_rem_sleep_time_milli":6300000,"total_awake_time_milli":1800000},"respiratory_rate":15.1}}"#
        let record = #"{"cycle_id":\#(cycle),"sleep_id":"\#(sleepID)","user_id":\#(whoopUser),"created_at":"\#(time)","score_state":"SCORED","score":{"recovery_score":\#(recovery),"resting_heart_rate":55,"hrv_rmssd_milli":\#(rmssd),"spo2_percentage":97}}"#
        func notification(_ type: String) -> [UInt8] {
            Array(#"{"user_id":\#(whoopUser),"id":"\#(sleepID)","type":"\#(type)","trace_id":"demo-\#(sleepID)-\#(type)"}"#.utf8)
        }
        return [
            Delivery(user: user, time: time, route: .whoop, body: notification("sleep.updated"),
                     record: .whoopSleep(id: sleepID, json: sleep), heartRate: nil, hrv: nil),
            Delivery(user: user, time: time, route: .whoop, body: notification("recovery.updated"),
                     record: .whoopRecovery(sleepID: sleepID, cycleID: cycle, json: record), heartRate: nil, hrv: nil),
        ]
    }

    /// Oura's morning readiness score (the same recovery a WHOOP would score), dated at midnight.
    private func ouraReadiness(user: Int, second: Int64, day: Int) -> Delivery {
        let time = start.adding(seconds: Double(second))
        let date = String(time.description.prefix(10))
        let id = "readiness-\(user)-\(day)"
        let score = Int((Self.recoveryByDay[day] + 2 * noise(user, day, 8)).rounded())
        let record = #"{"id":"\#(id)","day":"\#(date)","score":\#(score),"temperature_deviation":0.1,"timestamp":"\#(date)T00:00:00+00:00"}"#
        let body = #"{"event_type":"create","data_type":"daily_readiness","object_id":"\#(id)","event_time":"\#(time)","user_id":"\#(Self.ouraID(user))"}"#
        return Delivery(user: user, time: time, route: .oura, body: Array(body.utf8), record: .ouraReadiness(id: id, day: date, json: record),
                        heartRate: nil, hrv: nil)
    }

    /// Last night in half-hour stages, 23:00 to 07:00, sent on waking.
    private func sleepBatch(user: Int, second: Int64) -> Delivery {
        let stages = ["asleepCore", "asleepDeep", "asleepCore", "asleepREM", "awake", "asleepCore", "asleepDeep", "asleepREM"]
        let bedtime = start.adding(seconds: Double(second - (8 * 3600 + 5 * 60)))
        let samples = (0..<16).map { index in
            let time = bedtime.adding(seconds: Double(index) * 1800)
            return #"{"type":"HKCategoryTypeIdentifierSleepAnalysis","value":"\#(stages[(index + user) % stages.count])","timestamp":"\#(time)","source":"Apple Watch"}"#
        }
        let body = #"{"user_id":"\#(Self.userID(user))","samples":[\#(samples.joined(separator: ","))]}"#
        return Delivery(user: user, time: start.adding(seconds: Double(second)), route: .healthKit, body: Array(body.utf8), record: nil,
                        heartRate: nil, hrv: nil)
    }

    /// Deterministic noise in −1…1, a function of its inputs.
    private func noise(_ user: Int, _ index: Int, _ salt: Int) -> Double {
        let seed = UInt64(truncatingIfNeeded: user &* 1_000_003 &+ index &* 7_919 &+ salt &* 104_729)
        return SplitMix64.unit(SplitMix64.hash(seed)) * 2 - 1
    }
}
