import Actors
import Testing

/// The checkpoint summary `bench pipeline` prints from the stages' timeline.
struct CheckpointCycleTests {
    private static func entry(_ milliseconds: Int, _ event: ProcessorTimeline.Event) -> ProcessorTimeline.Entry {
        ProcessorTimeline.Entry(at: .milliseconds(milliseconds), event: event)
    }

    /// A checkpoint sent before the recording began counts from its start,
    /// one still in flight at its end until then; batches are told apart by
    /// whether one was in flight when they were decided.
    @Test func checkpointsInFlightAndTheBatchesBesideThem() {
        let recording = ProcessorTimeline.Recording(entries: [
            Self.entry(20, .decided(shard: 0, records: 10, oldestAge: .milliseconds(30), took: .milliseconds(1))),
            Self.entry(50, .written(barrier: 7, states: 1_000, took: .milliseconds(40))),
            Self.entry(60, .decided(shard: 1, records: 10, oldestAge: .milliseconds(8), took: .milliseconds(1))),
            Self.entry(100, .barrierSent(barrier: 8)),
            Self.entry(120, .sealed(shard: 0, barrier: 8, states: 900, took: .milliseconds(10))),
            Self.entry(130, .sealed(shard: 1, barrier: 8, states: 1_100, took: .milliseconds(20))),
            Self.entry(150, .decided(shard: 0, records: 10, oldestAge: .milliseconds(40), took: .milliseconds(1))),
            Self.entry(300, .written(barrier: 8, states: 2_000, took: .milliseconds(150))),
            Self.entry(500, .decided(shard: 1, records: 10, oldestAge: .milliseconds(5), took: .milliseconds(1))),
            Self.entry(900, .barrierSent(barrier: 9)),
            Self.entry(950, .forwarded(records: 10, oldestAge: .milliseconds(25))),
        ], duration: .seconds(1))
        let cycle = CheckpointCycle(recording)
        #expect(cycle.checkpoints == 2)
        #expect(cycle.statesPerCheckpoint == 2_000)
        #expect(cycle.sealMilliseconds == 20)
        #expect(cycle.writeMilliseconds == 150)
        #expect(abs(cycle.inFlightShare - 0.35) < 1e-9, "0–50, 100–300 and 900–1000 ms of 1 s")
        #expect(cycle.oldestAgeP99InFlightMilliseconds == 40)
        #expect(cycle.oldestAgeP99BetweenMilliseconds == 8)
    }

    @Test func aRecordingWithoutCheckpointsHasNothingInFlight() {
        let recording = ProcessorTimeline.Recording(entries: [
            Self.entry(10, .decided(shard: 0, records: 3, oldestAge: .milliseconds(4), took: .milliseconds(1))),
        ], duration: .milliseconds(100))
        let cycle = CheckpointCycle(recording)
        #expect(cycle.checkpoints == 0 && cycle.inFlightShare == 0)
        #expect(cycle.oldestAgeP99InFlightMilliseconds == nil)
        #expect(cycle.oldestAgeP99BetweenMilliseconds == 4)
    }
}
