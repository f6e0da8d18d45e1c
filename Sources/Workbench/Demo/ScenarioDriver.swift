import Actors
import Foundation
import Pipeline
import Synchronization

/// Sends a `DemoScenario` through an ingress on its compressed clock: each
/// wave of deliveries whose simulated time has come, sixteen connections,
/// one user's requests in order on one of them. Samples throughput while it
/// sends and while the caller waits for the pipeline to finish.
struct ScenarioDriver: Sendable {
    let port: Int
    let sender: ScenarioSender
    let progress: DemoProgress
    /// Records decided so far, for the throughput samples and progress line
    /// (nil: the decisions are made elsewhere and not counted here).
    let decided: (@Sendable () -> Int)?

    func run(
        _ scenario: DemoScenario, speed: Double, drawnUsers: Int, afterSending: (inout DemoResult) async throws -> Void
    ) async throws -> DemoResult {
        let deliveries = scenario.deliveries()
        progress.note(String(format: "simulating %d users for %.1f days at %.0f× real time: %d signed requests",
                             scenario.users, Double(scenario.seconds) / 86_400, speed, deliveries.count))
        var result = DemoResult()
        result.users = scenario.users
        result.simulatedDays = Double(scenario.seconds) / 86_400
        result.requests = deliveries.count
        for delivery in deliveries where delivery.user < drawnUsers {
            if let heartRate = delivery.heartRate, let hrv = delivery.hrv {
                result.timelines[delivery.user, default: []].append((delivery.time, heartRate, hrv))
            }
        }

        let clock = ContinuousClock()
        let began = clock.now
        let answered = Atomic<Int>(0)
        let sampler = Task { [decided] in
            var samples: [DemoResult.Sample] = []
            while !Task.isCancelled {
                samples.append(.init(seconds: (clock.now - began).seconds, answered: answered.load(ordering: .relaxed), decided: decided?() ?? 0))
                try? await Task.sleep(for: .milliseconds(500))
            }
            return samples
        }
        defer { sampler.cancel() }

        let lanes = min(16, scenario.users)
        var next = 0
        while next < deliveries.count {
            try Task.checkCancellation()
            let reached = scenario.start.adding(seconds: (clock.now - began).seconds * speed)
            var end = next
            while end < deliveries.count, deliveries[end].time <= reached { end += 1 }
            guard end > next else {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            let wave = Array(deliveries[next..<end])
            let requests = wave.enumerated().map { sender.request($0.element, id: "demo-\(next + $0.offset)") }
            var plan = Array(repeating: [Int](), count: lanes)
            for (index, delivery) in wave.enumerated() { plan[delivery.user % lanes].append(index) }
            let outcome = await LoadGenerator.run(port: port, requests: requests, lanes: plan)
            result.answers.merge(outcome.statuses, uniquingKeysWith: +)
            result.requestLatency.merge(outcome.latency)
            answered.add(outcome.sent, ordering: .relaxed)
            next = end
            progress.update(fraction: Double(next) / Double(deliveries.count),
                            counts: "\(next) sent, \(result.answers[202, default: 0]) accepted" + (decided.map { ", \($0()) decided" } ?? ""))
        }
        progress.finish()

        try await afterSending(&result)
        result.wallSeconds = (clock.now - began).seconds
        sampler.cancel()
        result.throughput = await sampler.value
        return result
    }
}
