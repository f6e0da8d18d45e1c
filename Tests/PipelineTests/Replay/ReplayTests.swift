import Pipeline
import Testing

/// `replay` decides deterministically, whatever the interleaving of users.
struct ReplayTests {
    /// A mixed history: canonical events, HealthKit batches, an Oura record,
    /// a notification, a malformed line and a duplicate, for several users.
    static func history(users: Int = 20, eventsPerUser: Int = 200) -> [[String]] {
        var generator = SplitMix64(seed: 7)
        return (0..<users).map { user in
            let userID = "user-\(user)"
            var lines: [String] = []
            for index in 0..<eventsPerUser {
                let minutes = Double(index) * 7
                let spike = (index / 15 + user) % 5 == 0
                let hrv = spike ? 22 + generator.unit() * 10 : 50 + generator.unit() * 25
                let heartRate = spike ? 100 + generator.unit() * 15 : 60 + generator.unit() * 20
                switch index % 4 {
                case 0:
                    lines.append(Fixtures.line(Fixtures.canonical(userID, minutes: minutes, [(.hrvRMSSD, hrv), (.heartRate, heartRate)])))
                case 1:
                    let time = Fixtures.at(minutes: minutes)
                    let body = "{\"user_id\":\"\(userID)\",\"samples\":[{\"type\":\"heartRate\",\"value\":\(heartRate),\"timestamp\":\"\(time)\",\"source\":\"Apple Watch\"},{\"type\":\"heartRateVariabilitySDNN\",\"value\":\(hrv),\"unit\":\"ms\",\"timestamp\":\"\(time)\"}]}"
                    lines.append(Fixtures.line(Fixtures.healthKit(userID, receivedAt: time, body: body)))
                case 2:
                    let day = Fixtures.at(minutes: minutes)
                    let body = "{\"created_at\":\"\(day)\",\"score\":{\"recovery_score\":\(spike ? 30 : 80),\"hrv_rmssd_milli\":\(hrv)}}"
                    lines.append(Fixtures.line(Envelope(provider: .whoop, userID: userID, receivedAt: day, dataType: "recovery", body: Array(body.utf8))))
                default:
                    lines.append(lines[lines.count - 1])  // a provider retry: a duplicate
                }
            }
            lines.append("{\"provider\":\"oura\",\"user_id\":\"\(userID)\",\"received_at\":\"2026-11-20T08:00:00Z\",\"body\":{\"object_id\":\"x\",\"data_type\":\"sleep\"}}")
            lines.append("{not json")
            return lines
        }
    }

    static func replay(_ lines: [String]) -> ([ModeSwitch], ReplaySummary) {
        var runner = ReplayRunner(configuration: BridgeConfiguration())
        var switches: [ModeSwitch] = []
        for line in lines {
            if let modeSwitch = try? runner.process(line: Array(line.utf8)) { switches.append(modeSwitch) }
        }
        return (switches, runner.summary)
    }

    @Test func theSameFileTwiceGivesIdenticalOutput() {
        let lines = Self.history().flatMap { $0 }
        let (first, summary) = Self.replay(lines)
        let (second, _) = Self.replay(lines)
        #expect(first.count > 50, "the history switches modes (\(first.count))")
        #expect(first.map(\.json) == second.map(\.json))
        #expect(summary.malformedLines == 20)
        #expect(summary.notFetched == 20)
        #expect(summary.duplicates == 20 * 50)
        #expect(summary.events == 20 * 150)
        #expect(summary.lines == lines.count)
        #expect(Set(first.map(\.newMode)).count >= 3)
    }

    @Test func shuffledUsersGiveTheSameSwitchesPerUser() {
        let perUser = Self.history()
        let inOrder = Self.replay(perUser.flatMap { $0 }).0
        // Interleave users at random, each user's lines kept in order.
        var generator = SplitMix64(seed: 99)
        var cursors = Array(repeating: 0, count: perUser.count)
        var shuffled: [String] = []
        while shuffled.count < perUser.map(\.count).reduce(0, +) {
            let user = Int(generator.next() % UInt64(perUser.count))
            guard cursors[user] < perUser[user].count else { continue }
            shuffled.append(perUser[user][cursors[user]])
            cursors[user] += 1
        }
        let interleaved = Self.replay(shuffled).0
        #expect(interleaved.count == inOrder.count)
        #expect(Dictionary(grouping: interleaved.map(\.json), by: { _ in 0 }).count == 1)
        let byUser = { (switches: [ModeSwitch]) in Dictionary(grouping: switches, by: \.userID).mapValues { $0.map(\.json) } }
        #expect(byUser(interleaved) == byUser(inOrder))
    }

    @Test func malformedEnvelopesAreDescribed() {
        var runner = ReplayRunner(configuration: BridgeConfiguration())
        let cases = [
            "[]", "{\"user_id\":\"u\",\"received_at\":\"2026-11-20T08:00:00Z\",\"body\":{}}",
            "{\"provider\":\"canonical\",\"received_at\":\"2026-11-20T08:00:00Z\",\"body\":{}}",
            "{\"provider\":\"canonical\",\"user_id\":\"u\",\"received_at\":1763625600,\"body\":{}}",
            "{\"provider\":\"canonical\",\"user_id\":\"u\",\"received_at\":\"2026-11-20T08:00:00Z\"}",
            "{\"provider\":\"canonical\",\"user_id\":\"u\",\"received_at\":\"2026-11-20T08:00:00Z\",\"delivery_id\":5,\"body\":{}}",
        ]
        for line in cases {
            #expect(throws: EnvelopeLine.Malformed.self, "\(line)") { try runner.process(line: Array(line.utf8)) }
        }
        #expect(runner.summary.rejections[.malformedEnvelope] == cases.count)
    }

    @Test func theBodyIsHashedAsWritten() throws {
        let line = #"{"provider":"apple_health","user_id":"u","received_at":"2026-11-20T08:00:00Z","body": {"user_id":"u", "samples":[]} }"#
        let envelope = try EnvelopeLine.decode(Array(line.utf8))
        #expect(String(decoding: envelope.body, as: UTF8.self) == #"{"user_id":"u", "samples":[]}"#)
        #expect(Normalizer.bodyHash(envelope.body) == String(SHA256Digest.hex(of: Array(#"{"user_id":"u", "samples":[]}"#.utf8)).prefix(32)))
    }
}
