import Pipeline

/// Deterministic inputs for the benchmarks, built before measuring.
enum DecideWorkload {
    static let start = TimestampParser.parse("2026-11-20T00:00:00Z")!

    /// Events of one reading each, users interleaved, minutes apart per user:
    /// heart rate, HRV, stress, recovery and steps, with spikes that switch modes.
    static func events(users: Int, count: Int) -> [BiometricEvent] {
        var seed: UInt64 = 12_345
        func unit() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        let metrics: [(Metric, ClosedRange<Double>, ClosedRange<Double>)] = [
            (.heartRate, 55...85, 100...130), (.hrvRMSSD, 45...80, 18...35), (.stressLevel, 0.1...0.5, 0.75...0.95),
            (.recoveryScore, 60...95, 20...45), (.steps, 0...500, 0...500),
        ]
        return (0..<count).map { index in
            let user = index % users
            let step = index / users
            let time = start.adding(seconds: Double(step) * 120)
            let (metric, calm, strained) = metrics[(index / users + user) % metrics.count]
            let range = (step / 30 + user) % 6 == 0 ? strained : calm
            let value = range.lowerBound + unit() * (range.upperBound - range.lowerBound)
            return BiometricEvent(
                eventID: "event-\(index)", userID: "user-\(user)", provider: .canonical, timestamp: time,
                readings: [Reading(metric: metric, value: value, timestamp: time, confidence: 1)])
        }
    }

    static func healthKitBatch(samples: Int) -> [UInt8] {
        let types = [
            ("HKQuantityTypeIdentifierHeartRate", "count/min", 72.0), ("heartRateVariabilitySDNN", "ms", 48),
            ("oxygenSaturation", "%", 0.97), ("stepCount", "count", 120), ("activeEnergyBurned", "kJ", 80),
            ("respiratoryRate", "count/min", 14),
        ]
        let list = (0..<samples).map { index -> String in
            let (type, unit, value) = types[index % types.count]
            let time = start.adding(seconds: Double(index) * 60)
            return "{\"type\":\"\(type)\",\"value\":\(value),\"unit\":\"\(unit)\",\"timestamp\":\"\(time)\",\"source\":\"Ann's Apple Watch\"}"
        }
        return Array("{\"user_id\":\"user-1\",\"samples\":[\(list.joined(separator: ","))]}".utf8)
    }

    static func envelopeLine() -> String {
        #"{"provider":"canonical","user_id":"user-1","received_at":"2026-11-20T08:00:00.000Z","delivery_id":"msg_2Xk9","body":{"event_id":"e-1","user_id":"user-1","device_type":"ring","timestamp":"2026-11-20T08:00:00Z","readings":[{"metric":"heart_rate","value":72,"confidence":0.9},{"metric":"hrv_rmssd","value":48.5},{"metric":"stress_level","value":0.31}]}}"#
    }
}
