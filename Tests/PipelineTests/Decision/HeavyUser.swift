import Pipeline

/// A user whose state is as full as states get in practice: a watch and a
/// ring reporting ten metrics, every envelope with an event id and a
/// delivery id, low HRV at every hour of the day, poor recoveries on every
/// weekday, and phases that switch modes often enough to fill the history.
enum HeavyUser {
    static let userID = "user-4f9a2c71-8d3e-4b6a-9c05-2e7f1a3b8d64"

    static func events(count: Int) -> [BiometricEvent] {
        var generator = SplitMix64(seed: 7)
        return (0..<count).map { index in
            // 37 minutes apart: the low-HRV phases drift through every UTC hour.
            let time = Fixtures.start.adding(seconds: Double(index) * 37 * 60 + 0.125)
            let phase = (index / 12) % 4
            func reading(_ metric: Metric, _ value: Double) -> Reading {
                Reading(metric: metric, value: value, timestamp: time, confidence: 1)
            }
            var readings = [
                reading(.hrvRMSSD, phase == 1 ? 18 + generator.unit() * 8 : 55 + generator.unit() * 20),
                reading(.heartRate, phase == 2 ? 104 + generator.unit() * 20 : 58 + generator.unit() * 15),
                reading(.stressLevel, phase == 3 ? 0.9 : 0.2 + generator.unit() * 0.3),
                reading(.restingHeartRate, 52 + (generator.unit() * 8).rounded()),
                reading(.bloodOxygen, 0.95 + generator.unit() * 0.04),
                reading(.respiratoryRate, 13 + generator.unit() * 3),
                reading(.temperatureDeviation, generator.unit() - 0.5),
                reading(.steps, (generator.unit() * 900).rounded()),
            ]
            if index % 9 == 0 {
                readings.append(reading(.recoveryScore, phase == 1 ? 22 : 80))
                readings.append(reading(.sleepScore, (60 + generator.unit() * 35).rounded()))
            }
            return BiometricEvent(
                eventID: "evt-\(index)-\(generator.next())", deliveryID: "dlv-\(index)-\(generator.next())", userID: userID,
                provider: index % 3 == 0 ? .oura : .appleHealth, timestamp: time, readings: readings)
        }
    }

    static func state(after count: Int) -> (state: UserState, switches: [ModeSwitch]) {
        let engine = DecisionEngine(configuration: BridgeConfiguration())
        var state = UserState(userID: userID)
        let switches = events(count: count).compactMap { engine.decide($0, state: &state).modeSwitch }
        return (state, switches)
    }
}
