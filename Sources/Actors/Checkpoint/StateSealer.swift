import NIOCore
import Pipeline

/// A shard's sealer: takes the shard's snapshot at each barrier, encodes and
/// encrypts its changed states off the decide path, and reports them to the
/// coordinator — one snapshot at a time, so the shard's reports arrive in
/// barrier order.
public final class StateSealer: Sendable {
    struct Snapshot: Sendable {
        let barrier: Barrier
        /// Each with the partition its user's records come from.
        let states: [(UserState, KafkaTopicPartition)]
        let switches: [ModeSwitch]
    }

    private let shard: Int
    private let cipher: StateCipher
    private let coordinator: CheckpointCoordinator
    private let timeline: ProcessorTimeline
    private let snapshots = BoundedChannel<Snapshot>(capacity: 2)

    init(shard: Int, cipher: StateCipher, coordinator: CheckpointCoordinator, timeline: ProcessorTimeline) {
        self.shard = shard
        self.cipher = cipher
        self.coordinator = coordinator
        self.timeline = timeline
    }

    /// Snapshots waiting to be sealed.
    public var waiting: Int { snapshots.count }

    func seal(_ snapshot: Snapshot) async {
        await snapshots.send(snapshot)
    }

    /// No more barriers will come: `run` ends once it has reported the last one.
    public func finish() { snapshots.finish() }

    public func run() async throws {
        while let snapshot = await snapshots.next() {
            let started = ContinuousClock.now
            var stored: [ShardReport.StoredState] = []
            stored.reserveCapacity(snapshot.states.count)
            for (state, partition) in snapshot.states {
                let sealed = try cipher.seal(UserStateCodec.encode(state), for: .userState(user: state.userID, version: state.version))
                stored.append(ShardReport.StoredState(
                    userID: state.userID, partition: partition, version: state.version, keyID: cipher.currentKeyID, sealed: ByteBuffer(bytes: sealed)))
            }
            timeline.record(.sealed(shard: shard, barrier: snapshot.barrier.id, states: stored.count, took: .now - started))
            await coordinator.receive(ShardReport(shard: shard, barrier: snapshot.barrier, states: stored, switches: snapshot.switches))
        }
    }
}
