import Foundation
import Logging
import NIOCore
import Pipeline

/// One of the N decide actors: it owns the states of the users that hash to
/// it, and runs normalise → validate → decide on their records in offset
/// order. Normalising here, in parallel shards, keeps the costliest step off
/// any single thread. At a barrier it hands its changed states to the
/// checkpoint coordinator through its sealer.
public actor DecideShard {
    public let index: Int
    public let inbox: BoundedChannel<ShardItem>
    /// Encodes and encrypts this shard's snapshots while it goes on deciding.
    public let sealer: StateSealer
    private let configuration: ConfigurationStore
    private let store: CheckpointStore
    private let cipher: StateCipher
    private let outputs: OutputPublisher
    private let signals: CheckpointSignals
    private let statistics: ProcessorStatistics
    private let logger: Logger

    private var processor: EnvelopeProcessor
    private var states: [String: UserState] = [:]
    private var partitionOfUser: [String: KafkaTopicPartition] = [:]
    /// States kept in memory at most; past it, clean ones are dropped least
    /// recently used first and loaded again when their user's next record comes.
    private let residentBudget: Int
    private var recency = RecencyOrder()
    /// Users whose last snapshot may not be written yet, with its barrier:
    /// dropping such a state would load an older one on the next record.
    private var unwrittenUntil: [String: Int] = [:]
    private let progress: CheckpointProgress
    private var dirty: Set<String> = []
    private var pendingSwitches: [ModeSwitch] = []
    /// Users whose stored state PostgreSQL refused for its data, with the
    /// partition they were refused on: their records there are dead-lettered
    /// until the partition leaves this member.
    private var refused: [String: KafkaTopicPartition] = [:]
    /// Outputs made now belong to the checkpoint of the next barrier.
    private var epoch = 1

    public init(
        index: Int, capacity: Int, residentBudget: Int, configuration: ConfigurationStore, store: CheckpointStore, cipher: StateCipher,
        outputs: OutputPublisher, coordinator: CheckpointCoordinator, signals: CheckpointSignals, progress: CheckpointProgress,
        statistics: ProcessorStatistics, logger: Logger
    ) {
        self.index = index
        self.residentBudget = residentBudget
        self.progress = progress
        self.inbox = BoundedChannel(capacity: capacity)
        self.configuration = configuration
        self.store = store
        self.sealer = StateSealer(shard: index, cipher: cipher, coordinator: coordinator, timeline: statistics.timeline)
        self.cipher = cipher
        self.outputs = outputs
        self.signals = signals
        self.statistics = statistics
        self.logger = logger
        self.processor = EnvelopeProcessor(configuration: configuration.configuration)
    }

    public func run() async throws {
        while let item = await inbox.next() {
            switch item {
            case .records(let records): try await process(records)
            case .barrier(let barrier): try await checkpoint(barrier)
            case .forget(let partitions):
                forget(partitions)
                refused = refused.filter { !partitions.contains($0.value) }
            case .readAgain(let partitions, let users):
                forget(partitions)
                refused.merge(users) { _, latest in latest }
            }
        }
    }

    private func process(_ records: [InboundRecord]) async throws {
        if configuration.version != processor.configVersion { processor = EnvelopeProcessor(configuration: configuration.configuration) }
        let batchStarted = ContinuousClock.now
        let usersBefore = states.count
        try await loadStates(for: records)

        var counts = ProcessorStatistics.Snapshot()
        counts.consumed = records.count
        let metrics = statistics.metrics
        var healthKit = HealthKitTally()
        for record in records {
            let envelope: Envelope
            switch record.envelope {
            case .success(let valid):
                envelope = valid
            case .failure(let error):
                try await deadLetter(record, stage: .ingest, reason: .rejected(error.reason), error: error.detail)
                counts.deadLettered += 1
                counts.rejections[error.reason.rawValue, default: 0] += 1
                continue
            }
            let userID = envelope.userID
            if isRefused(envelope, on: record) {
                counts.deadLettered += 1
                counts.rejections[RejectionReason.storageRefused.rawValue, default: 0] += 1
                try await deadLetter(record, stage: .checkpoint, reason: .rejected(.storageRefused),
                                     error: "PostgreSQL refused this user's state for its data; the user's records are dead-lettered")
                continue
            }
            let started = metrics != nil && envelope.provider == .appleHealth ? ContinuousClock.now : nil
            let outcome = processor.process(envelope, in: &states)
            // Loaded or created: either way this partition's revocation must drop it.
            if states.index(forKey: userID) != nil {
                partitionOfUser[userID] = record.origin.topicPartition
                recency.use(userID)
            }
            if let started { healthKit.record(outcome, took: ContinuousClock.now - started) }
            switch outcome {
            case .decided(let decision, _, let rejections):
                counts.processed += 1
                if dirty.insert(userID).inserted { signals.addDirtyUsers(1) }
                if let modeSwitch = decision.modeSwitch {
                    counts.modeSwitches += 1
                    metrics?.modeSwitched(modeSwitch)
                    pendingSwitches.append(modeSwitch)
                    try await outputs.publish(modeSwitch, epoch: epoch)
                }
                if decision.modeSwitch != nil || decision.hasSignificantChange { signals.requestImmediate() }
                if decision.isBorderline { logger.debug("borderline decision", metadata: ["user": "\(UserHash.of(userID))"]) }
                if !rejections.isEmpty {
                    counts.partial += 1
                    for rejection in rejections { counts.rejections[rejection.reason.rawValue, default: 0] += 1 }
                    try await deadLetter(record, stage: .validate, reason: .partial, error: "\(rejections.count) samples rejected", rejections: rejections)
                }
            case .duplicate:
                counts.duplicates += 1
            case .failed(let reason, let detail, let rejections):
                counts.deadLettered += 1
                counts.rejections[reason.rawValue, default: 0] += 1
                let stage: DeadLetterStage = reason == .noValidReadings ? .validate : .normalise
                try await deadLetter(record, stage: stage, reason: .rejected(reason), error: detail, rejections: rejections)
            case .notFetched(let provider):
                // The ingress sends notifications to the fetcher; one here was
                // written by an older ingress. Kept for `dlq redrive`, which
                // sends it to the fetcher.
                counts.deadLettered += 1
                counts.rejections[RejectionReason.unsupportedType.rawValue, default: 0] += 1
                try await deadLetter(record, stage: .normalise, reason: .rejected(.unsupportedType),
                                     error: "\(provider.rawValue) notification on the events topic: dlq redrive --stage normalise sends it to the fetcher")
            }
        }
        if !healthKit.isEmpty { metrics?.healthKitProcessed(healthKit) }
        let decidedAt = Date().timeIntervalSince1970
        let latencies = records.compactMap { record in record.origin.timestampMilliseconds.map { decidedAt - Double($0) / 1000 } }
        statistics.latency.record(seconds: latencies)
        statistics.timeline.record(.decided(shard: index, records: records.count, oldestAge: .seconds(latencies.max() ?? 0), took: .now - batchStarted))
        metrics?.recordsDecided(latencies: latencies)
        statistics.update { total in
            total.consumed += counts.consumed
            total.processed += counts.processed
            total.deadLettered += counts.deadLettered
            total.duplicates += counts.duplicates
            total.partial += counts.partial
            total.modeSwitches += counts.modeSwitches
            total.activeUsers += states.count - usersBefore
            total.rejections.merge(counts.rejections, uniquingKeysWith: +)
        }
        // After the count above, which must not see the users it drops: it counts them itself.
        evictOverBudget()
    }

    /// Whether the record belongs to a user PostgreSQL refused on its partition.
    private func isRefused(_ envelope: Envelope, on record: InboundRecord) -> Bool {
        !refused.isEmpty && refused[envelope.userID] == record.origin.topicPartition
    }

    private func deadLetter(_ record: InboundRecord, stage: DeadLetterStage, reason: DeadLetterReason, error: String, rejections: [Rejection] = []) async throws {
        try await outputs.deadLetter(record.origin, stage: stage, reason: reason, error: error, rejections: rejections, epoch: epoch)
    }

    /// Loads, in one query, the stored states of users this shard has not
    /// seen since it took their partition.
    private func loadStates(for records: [InboundRecord]) async throws {
        var unknown = Set<String>()
        for record in records {
            // `index(forKey:)`, not `states[id] == nil`, which copies the whole state.
            if case .success(let envelope) = record.envelope, states.index(forKey: envelope.userID) == nil, !isRefused(envelope, on: record) {
                unknown.insert(envelope.userID)
            }
        }
        guard !unknown.isEmpty else { return }
        let users = Array(unknown)
        let store = store
        let stored = try await Retry.untilSuccess("loading \(users.count) user states", logger: logger) { try await store.states(of: users) }
        for (userID, row) in stored {
            do {
                let bytes = try cipher.open(Array(buffer: row.sealed), keyID: row.keyID, for: .userState(user: userID, version: row.version))
                states[userID] = try UserStateCodec.decode(bytes, userID: userID)
            } catch {
                // A state that cannot be read must not be silently replaced.
                logger.critical("stored state of user \(UserHash.of(userID)) cannot be read: \(error)")
                throw error
            }
        }
    }

    /// Snapshots the changed states (copies of values: cheap until the next
    /// change) and hands them to this shard's sealer, which encodes, encrypts
    /// and reports them while the shard goes on deciding.
    private func checkpoint(_ barrier: Barrier) async throws {
        let snapshot = dirty.compactMap { user in states[user].map { ($0, partitionOfUser[user]!) } }
        for user in dirty { unwrittenUntil[user] = barrier.id }
        signals.removeDirtyUsers(dirty.count)
        dirty.removeAll(keepingCapacity: true)
        let switches = pendingSwitches
        pendingSwitches.removeAll(keepingCapacity: true)
        epoch = barrier.id + 1
        await sealer.seal(StateSealer.Snapshot(barrier: barrier, states: snapshot, switches: switches))
    }

    /// Past the budget, drops clean states (their last change is stored) down
    /// to nine tenths of it, least recently used first. Changed states stay
    /// until a checkpoint has stored them, and ask for one.
    private func evictOverBudget() {
        guard states.count > residentBudget else { return }
        let written = progress.lastCompleted
        unwrittenUntil = unwrittenUntil.filter { $0.value > written }
        let victims = recency.leastRecent(states.count - residentBudget * 9 / 10) { !dirty.contains($0) && unwrittenUntil[$0] == nil }
        for user in victims {
            states[user] = nil
            partitionOfUser[user] = nil
            recency.remove(user)
        }
        statistics.update { [evicted = victims.count] in
            $0.activeUsers -= evicted
            $0.evictedUsers += evicted
        }
        // Still over: the rest are changed or unwritten, and only a checkpoint frees them.
        if states.count > residentBudget { signals.reportMemoryPressure() }
    }

    /// Drops the users of these partitions with their changes and switches
    /// not yet snapshotted: the partitions were revoked and checkpointed,
    /// another member owns them now, or they are read again from their last
    /// checkpoint.
    private func forget(_ partitions: Set<KafkaTopicPartition>) {
        let usersBefore = states.count
        var users = Set<String>()
        for (userID, partition) in partitionOfUser where partitions.contains(partition) {
            states[userID] = nil
            partitionOfUser[userID] = nil
            recency.remove(userID)
            unwrittenUntil[userID] = nil
            users.insert(userID)
        }
        let changed = dirty.intersection(users)
        dirty.subtract(changed)
        signals.removeDirtyUsers(changed.count)
        pendingSwitches.removeAll { users.contains($0.userID) }
        statistics.update { [forgotten = usersBefore - states.count] in $0.activeUsers -= forgotten }
    }
}
