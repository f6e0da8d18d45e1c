import Foundation
import Logging

/// The first stage: the consumer's listener. It turns records into envelopes,
/// routes them to the decide shard of their user, and sends checkpoint
/// barriers through every shard. One loop does all of it, so records and
/// barriers leave in exactly the order the offsets say.
public actor IngestStage: KafkaConsumerListener {
    public enum Message: Sendable {
        case assigned([KafkaTopicPartition: CheckpointStore.Claim])
        case records([KafkaConsumerRecord])
        case revoked([KafkaTopicPartition], CheckedContinuation<Void, Never>)
        /// Taken away without a revocation: this member was out of the group.
        case lost([KafkaTopicPartition], CheckedContinuation<Void, Never>)
        case tick
    }

    public nonisolated let inbox = BoundedChannel<Message>(capacity: 4)
    private let shards: [BoundedChannel<ShardItem>]
    private let store: CheckpointStore
    /// Names this member in the owner rows, for operators.
    private let owner: String
    private let signals: CheckpointSignals
    private let progress: CheckpointProgress
    private let policy: @Sendable () -> BarrierSchedule.Policy
    private let logger: Logger
    private let statistics: ProcessorStatistics?
    /// Asks for the consumer of these partitions to be moved to these
    /// offsets, without waiting for the move. It must not fail quietly:
    /// until the move lands, this stage drops the partitions' records as read
    /// before it, so a failure has to stop the processor (the next start
    /// reads from the last checkpoint).
    private let seek: @Sendable ([KafkaTopicPartition: Int64]) async -> Void

    private var nextOffsets: [KafkaTopicPartition: Int64] = [:]
    /// The owner epoch claimed for each owned partition; a record of any
    /// other partition is not this member's to decide.
    private var epochs: [KafkaTopicPartition: Int64] = [:]
    /// Partitions read again from an earlier offset: records from this offset
    /// on were read before the consumer moved back, and are dropped until
    /// the first record from before it shows that the second reading arrived.
    private var staleFrom: [KafkaTopicPartition: Int64] = [:]
    private var schedule = BarrierSchedule(now: .now)

    init(
        shards: [BoundedChannel<ShardItem>], store: CheckpointStore, owner: String, signals: CheckpointSignals, progress: CheckpointProgress,
        logger: Logger, statistics: ProcessorStatistics? = nil, seek: @escaping @Sendable ([KafkaTopicPartition: Int64]) async -> Void,
        policy: @escaping @Sendable () -> BarrierSchedule.Policy
    ) {
        self.statistics = statistics
        self.seek = seek
        self.shards = shards
        self.store = store
        self.owner = owner
        self.signals = signals
        self.progress = progress
        self.logger = logger
        self.policy = policy
    }

    // MARK: KafkaConsumerListener (called on the consumer's polling thread)

    public nonisolated func partitionsAssigned(_ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64] {
        let (store, owner) = (store, owner)
        let claims = try await Retry.untilSuccess("claiming partitions", logger: logger) { try await store.claim(partitions, owner: owner) }
        await inbox.send(.assigned(claims))
        return claims.mapValues(\.offset)
    }

    public nonisolated func partitionsRevoked(_ partitions: [KafkaTopicPartition]) async {
        // Returns once the partitions' last checkpoint is written, so the next
        // owner starts exactly where this member stopped.
        await withCheckedContinuation { continuation in
            let inbox = inbox
            Task { if !(await inbox.send(.revoked(partitions, continuation))) { continuation.resume() } }
        }
    }

    public nonisolated func partitionsLost(_ partitions: [KafkaTopicPartition]) async {
        // No checkpoint: another member may own them already, and its cut is newer.
        await withCheckedContinuation { continuation in
            let inbox = inbox
            Task { if !(await inbox.send(.lost(partitions, continuation))) { continuation.resume() } }
        }
    }

    public nonisolated func received(_ records: [KafkaConsumerRecord]) async {
        await inbox.send(.records(records))
    }

    public nonisolated func receivedWithoutWaiting(_ records: [KafkaConsumerRecord]) -> Bool {
        inbox.sendWithoutWaiting(.records(records))
    }

    // MARK: The loop

    public func run() async {
        while let message = await inbox.next() {
            switch message {
            case .assigned(let claims):
                nextOffsets.merge(claims.mapValues(\.offset)) { _, stored in stored }
                epochs.merge(claims.mapValues(\.epoch)) { _, claimed in claimed }
                for partition in claims.keys { staleFrom[partition] = nil }
                statistics?.update { [owned = nextOffsets.count] in $0.ownedPartitions = owned }
            case .records(let records):
                await takeCheckpointSignals()
                await forward(records)
            case .revoked(let partitions, let continuation):
                await checkpointNow()
                await forget(Set(partitions))
                continuation.resume()
            case .lost(let partitions, let continuation):
                statistics?.update { $0.lostPartitions += partitions.count }
                logger.warning("lost \(partitions.count) partitions without a revocation (out of the group too long): their progress since the last checkpoint is dropped")
                await forget(Set(partitions))
                continuation.resume()
            case .tick:
                await takeCheckpointSignals()
                await perform(schedule.tick(now: .now, policy: policy(), written: progress.lastCompleted, dirtyUsers: takeDirtyUsers()))
            }
        }
    }

    /// The shards drop these partitions' users; their records are no longer read.
    private func forget(_ partitions: Set<KafkaTopicPartition>) async {
        for shard in shards { await shard.send(.forget(partitions)) }
        for partition in partitions {
            nextOffsets[partition] = nil
            epochs[partition] = nil
            staleFrom[partition] = nil
        }
        statistics?.update { [owned = nextOffsets.count] in $0.ownedPartitions = owned }
    }

    /// What the checkpoint writer found: partitions fenced or to read again.
    /// Taken before every barrier too, so no barrier carries an offset the
    /// writer has refused.
    private func takeCheckpointSignals() async {
        await forgetFencedPartitions()
        await readRefusedPartitionsAgain()
    }

    /// Partitions whose checkpoint was refused belong to another member:
    /// forget them until the group assigns them here again. One claimed anew
    /// since the refusal is this member's again, under a newer epoch.
    private func forgetFencedPartitions() async {
        let fenced = Set(signals.takeFenced().filter { epochs[$0.key] == $0.value }.keys)
        guard !fenced.isEmpty else { return }
        statistics?.update { $0.fencedPartitions += fenced.count }
        logger.warning("another member owns \(fenced.count) partitions now (\(fenced.map(\.description).sorted().joined(separator: ", "))): forgetting their users")
        await forget(fenced)
    }

    /// Sends the consumer of each rewound partition back to its last
    /// checkpoint; the shards forget the partition's users first and
    /// dead-letter the refused ones' records from then on.
    private func readRefusedPartitionsAgain() async {
        for rewind in signals.takeRewinds() {
            // Only partitions still owned under the refused cut's epoch, and read past their checkpoint.
            let offsets = rewind.offsets.filter { partition, offset in
                epochs[partition] != nil && epochs[partition] == rewind.epochs[partition] && (nextOffsets[partition] ?? 0) > offset
            }
            guard !offsets.isEmpty else { continue }
            let partitions = Set(offsets.keys)
            let refused = rewind.refusedUsers.filter { partitions.contains($0.value) }
            for shard in shards { await shard.send(.readAgain(partitions, refusing: refused)) }
            for (partition, offset) in offsets {
                staleFrom[partition] = nextOffsets[partition]
                nextOffsets[partition] = offset
            }
            logger.warning("reading \(partitions.count) partitions again from their last checkpoint: \(offsets.map { "\($0.key) from \($0.value)" }.sorted().joined(separator: ", "))")
            // Only asked for: the polling thread may be waiting for this stage
            // (a revocation), and the records read meanwhile are recognised above.
            await seek(offsets)
        }
    }

    private func forward(_ records: [KafkaConsumerRecord]) async {
        if let statistics {
            let now = Date().timeIntervalSince1970
            let ages = records.compactMap { $0.timestampMilliseconds.map { now - Double($0) / 1000 } }
            statistics.arrivalLatency.record(seconds: ages)
            statistics.timeline.record(.forwarded(records: records.count, oldestAge: .seconds(ages.max() ?? 0)))
        }
        var batches = Array(repeating: [InboundRecord](), count: shards.count)
        for record in records where isNext(record) {
            let inbound = InboundRecord(record)
            batches[inbound.shard(of: shards.count)].append(inbound)
            nextOffsets[record.topicPartition] = record.offset + 1
        }
        let forwardedAt = ContinuousClock.now
        var forwarded = 0
        for (index, batch) in batches.enumerated() where !batch.isEmpty {
            forwarded += batch.count
            await shards[index].send(.records(batch))
        }
        let action = schedule.recordsRead(
            records.count, forwarded: forwarded, at: forwardedAt, now: .now, policy: policy(), written: progress.lastCompleted, dirtyUsers: takeDirtyUsers())
        if signals.takeMemoryPressure() {
            // Only a written checkpoint lets the shards drop changed states.
            await checkpointNow()
        } else {
            await perform(action)
        }
    }

    /// Whether `record` is the next one of an owned partition: not from
    /// before its start or its last move back, nor read before that move.
    private func isNext(_ record: KafkaConsumerRecord) -> Bool {
        let partition = record.topicPartition
        guard epochs[partition] != nil, let next = nextOffsets[partition] else { return false }
        if !staleFrom.isEmpty, let stale = staleFrom[partition] {
            guard record.offset < stale else { return false }
            staleFrom[partition] = nil
        }
        return record.offset >= next
    }

    /// The dirty-user count, after taking a pending request for a barrier at once.
    private func takeDirtyUsers() -> Int {
        if signals.takeImmediateRequest() { schedule.requestImmediate() }
        return signals.dirtyUserCount
    }

    private func perform(_ action: BarrierSchedule.Action) async {
        switch action {
        case .none: break
        case .sendBarrier: await sendBarrier()
        case .waitFor(let id):
            await progress.wait(for: id)
            await sendBarrier()
        }
        statistics?.setUncheckpointedSince(schedule.uncheckpointedSince)
    }

    /// Sends a barrier and waits until it is written (revocation, shutdown).
    private func checkpointNow() async {
        await perform(schedule.checkpointNow(written: progress.lastCompleted))
        guard let id = schedule.inFlight else { return }
        await progress.wait(for: id)
        schedule.checkpointWritten(id)
        statistics?.setUncheckpointedSince(schedule.uncheckpointedSince)
    }

    private func sendBarrier() async {
        await takeCheckpointSignals()
        let barrier = Barrier(id: schedule.barrierSent(now: .now), offsets: nextOffsets, epochs: epochs)
        statistics?.timeline.record(.barrierSent(barrier: barrier.id))
        for shard in shards { await shard.send(.barrier(barrier)) }
    }
}
