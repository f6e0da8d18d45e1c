import Benchmark
import Foundation
import Pipeline

/// The hot paths of the processor, each beside a baseline measured in the
/// same run: Foundation's parsers for decoding, a bare view update for deciding.
nonisolated(unsafe) let benchmarks = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000)

    let configuration = BridgeConfiguration()

    // MARK: Decide — one reading per event, 1,000 users, realistic mix.

    let users = 1_000
    let events = DecideWorkload.events(users: users, count: 200_000)

    Benchmark("Decide (events of one reading)") { benchmark in
        let engine = DecisionEngine(configuration: configuration)
        var states = (0..<users).map { UserState(userID: "user-\($0)") }
        var cursor = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let event = events[cursor]
            blackHole(engine.decide(event, state: &states[cursor % users]))
            cursor += 1
            if cursor == events.count { cursor = 0 }
        }
    }

    Benchmark("Baseline: view update only (per reading)") { benchmark in
        var views = Array(repeating: [Double](repeating: 0, count: Metric.count), count: users)
        var cursor = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let reading = events[cursor].readings[0]
            views[cursor % users][reading.metric.rawValue] = reading.value
            cursor += 1
            if cursor == events.count { cursor = 0 }
        }
        blackHole(views)
    }

    // MARK: HealthKit JSON to validated readings — 100-sample batches.

    let batch = DecideWorkload.healthKitBatch(samples: 100)
    let envelope = Envelope(provider: "apple_health", userID: "user-1", receivedAt: TimestampParser.parse("2026-11-21T00:00:00Z")!, body: batch)

    Benchmark("HealthKit normalise+validate (per 100-sample batch)", configuration: .init(scalingFactor: .one)) { benchmark in
        let normalizer = Normalizer(configuration: configuration)
        let validator = Validator(configuration: configuration)
        for _ in benchmark.scaledIterations {
            guard case .record(let record) = normalizer.normalize(envelope) else { fatalError("the batch did not normalise") }
            blackHole(validator.validate(record))
        }
    }

    Benchmark("Baseline: JSONDecoder of the same batch (per 100-sample batch)", configuration: .init(scalingFactor: .one)) { benchmark in
        let decoder = JSONDecoder()
        let data = Data(batch)
        for _ in benchmark.scaledIterations {
            blackHole(try decoder.decode(HealthKitBatchBaseline.self, from: data))
        }
    }

    // MARK: Envelope decoding — one NDJSON line.

    let line = Array(DecideWorkload.envelopeLine().utf8)

    Benchmark("Envelope line decoding") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try EnvelopeLine.decode(line))
        }
    }

    Benchmark("Baseline: JSONSerialization of the same line") { benchmark in
        let data = Data(line)
        for _ in benchmark.scaledIterations {
            blackHole(try JSONSerialization.jsonObject(with: data))
        }
    }
}

/// What a Codable decoder would read of a HealthKit batch, for the baseline.
struct HealthKitBatchBaseline: Decodable {
    struct Sample: Decodable {
        let type: String
        let value: Double
        let unit: String?
        let timestamp: String
        let source: String?
    }

    let user_id: String
    let samples: [Sample]
}
