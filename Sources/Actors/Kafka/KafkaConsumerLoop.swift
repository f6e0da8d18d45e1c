import CRdKafka
import Foundation
import Logging
import Synchronization

/// The consumer's polling thread and everything only it may touch. librdkafka
/// 2.0 is not safe against seek, pause or rebalance racing a batch consume,
/// so all of them happen here, between batch calls or inside the rebalance
/// callback that the batch call serves on this same thread.
final class KafkaConsumerLoop: @unchecked Sendable {
    typealias Command = @Sendable (KafkaConsumerLoop) throws -> Void

    /// What other threads may read: the assignment and, per partition, the
    /// next offset to deliver (the consumer's position as the owner sees it).
    struct Positions {
        var assigned: Set<KafkaTopicPartition> = []
        var nextOffset: [KafkaTopicPartition: Int64] = [:]
    }

    private(set) var client: KafkaClientHandle!
    private let configuration: KafkaConsumerConfiguration
    private let listener: any KafkaConsumerListener
    private var queue: OpaquePointer!
    private let logger = Logger(label: "auren.kafka.consumer")
    let stop = StopSignal()
    let positions = Mutex(Positions())
    private let commands = Mutex<[(Command, OneShot<Void>)]>([])
    private let failure = Mutex<(any Error)?>(nil)
    private let commits = Mutex(CommitGate())

    private struct CommitGate {
        var inFlight = 0
        var closing = false
    }

    // Touched only on the polling thread: what the rebalance callback did
    // during the current batch call.
    private var revokedDuringCall: Set<KafkaTopicPartition> = []
    private var startOffsetsAssignedDuringCall: [KafkaTopicPartition: Int64?] = [:]

    // Back-pressure, touched only on the polling thread. While the listener
    // has not taken the last records, nothing else is delivered; past
    // `stallBeforePausing` the partitions are paused and polling goes on, so
    // heartbeats, rebalances and `max.poll.interval.ms` are served however
    // long the owner stalls (a checkpoint waiting for PostgreSQL).
    private var delivery: ThreadBridge.Pending<Void>?
    /// Records read while paused (fetched before the pause took hold, or of a
    /// partition assigned meanwhile), delivered after `delivery`.
    private var held: [KafkaConsumerRecord] = []
    private var pausedForBackPressure: Set<KafkaTopicPartition> = []
    private var pausedByOwner: Set<KafkaTopicPartition> = []
    private static let stallBeforePausing = Duration.seconds(1)
    /// How often a paused loop serves the group while it waits for the owner.
    private static let pausedPollInterval = Duration.milliseconds(100)

    init(configuration: KafkaConsumerConfiguration, listener: any KafkaConsumerListener) throws(KafkaError) {
        self.configuration = configuration
        self.listener = listener
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        client = try KafkaClientHandle(type: RD_KAFKA_CONSUMER, properties: configuration.properties) { conf in
            rd_kafka_conf_set_opaque(conf, opaque)
            rd_kafka_conf_set_rebalance_cb(conf) { _, err, partitions, opaque in
                guard let partitions, let opaque else { return }
                Unmanaged<KafkaConsumerLoop>.fromOpaque(opaque).takeUnretainedValue().rebalance(err, partitions)
            }
        }
        // Errors and logs queued for the application are served by our batch calls.
        rd_kafka_poll_set_consumer(client.pointer)
        self.queue = rd_kafka_queue_get_consumer(client.pointer)
        // Pinned partitions are assigned on the polling thread as it starts.
        guard configuration.pinnedPartitions == nil else { return }
        let subscription = KafkaPartitionList.make(configuration.topics.map { (KafkaTopicPartition(topic: $0, partition: -1), nil) })
        defer { rd_kafka_topic_partition_list_destroy(subscription) }
        let err = rd_kafka_subscribe(client.pointer, subscription)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            rd_kafka_queue_destroy(queue)
            throw KafkaError(err, "subscribing to \(configuration.topics.joined(separator: ", "))")
        }
    }

    deinit {
        // Before the client handle goes: librdkafka waits for its queues.
        rd_kafka_queue_destroy(queue)
    }

    func start() {
        ThreadBridge.startThread(named: "kafka-consumer") { [self] in run() }
    }

    /// Asks the thread to stop and wakes it if it is waiting for records.
    func requestStop() {
        stop.request()
        rd_kafka_queue_yield(queue)
    }

    var error: (any Error)? { failure.withLock { $0 } }

    /// Runs `command` on the polling thread, between two batch calls.
    func perform(_ command: @escaping Command) async throws {
        let done = OneShot<Void>()
        commands.withLock { $0.append((command, done)) }
        if stop.isRequested {
            runPendingCommands(failingWith: KafkaError(code: RD_KAFKA_RESP_ERR__DESTROY.rawValue, message: "the consumer is closed"))
        }
        rd_kafka_queue_yield(queue)
        try await done.value
    }

    // MARK: The polling thread

    private func run() {
        let batchSize = max(1, configuration.maxBatchSize)
        var buffer = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: batchSize)
        let timeout = Int32(clamping: configuration.pollTimeout.wholeMilliseconds)
        if let pinned = configuration.pinnedPartitions { assignPinned(pinned) }
        while !stop.isRequested {
            runPendingCommands(failingWith: nil)
            if let delivery, !delivery.finished(within: pausedForBackPressure.isEmpty ? Self.stallBeforePausing : Self.pausedPollInterval) {
                pauseForBackPressure()
                held += consumeBatch(into: &buffer, timeout: 0)
                continue
            }
            delivery = nil
            if !pausedForBackPressure.isEmpty { resumeAfterBackPressure() }
            let records = held.isEmpty ? consumeBatch(into: &buffer, timeout: timeout) : held
            held.removeAll()
            if !records.isEmpty, !listener.receivedWithoutWaiting(records) {
                let listener = listener
                delivery = ThreadBridge.start { await listener.received(records) }
            }
        }
        commits.withLock { $0.closing = true }
        let deadline = ContinuousClock.now + .seconds(10)
        while commits.withLock({ $0.inFlight }) > 0, ContinuousClock.now < deadline { usleep(1_000) }
        let stuck = commits.withLock { $0.inFlight }
        if stuck > 0 {
            // librdkafka 2.0 may abort if a commit meets the group's termination.
            logger.warning("leaving the consumer group with \(stuck) offset commits still in flight after 10 s")
        }
        // Closing serves the final revocation through the rebalance callback;
        // pinned partitions have no group to revoke them, so it happens here.
        if configuration.pinnedPartitions != nil { unassignPinned() }
        let err = rd_kafka_consumer_close(client.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("leaving the consumer group: \(KafkaError(err, "close"))")
        }
        runPendingCommands(failingWith: KafkaError(code: RD_KAFKA_RESP_ERR__DESTROY.rawValue, message: "the consumer is closed"))
        stop.markFinished()
    }

    /// One batch call: the records the owner should see, and whatever the
    /// rebalance callback did meanwhile.
    private func consumeBatch(into buffer: inout [UnsafeMutablePointer<rd_kafka_message_t>?], timeout: Int32) -> [KafkaConsumerRecord] {
        revokedDuringCall.removeAll(keepingCapacity: true)
        startOffsetsAssignedDuringCall.removeAll(keepingCapacity: true)
        let count = buffer.withUnsafeMutableBufferPointer {
            rd_kafka_consume_batch_queue(queue, timeout, $0.baseAddress, $0.count)
        }
        return count > 0 ? takeRecords(buffer[0..<count]) : []
    }

    /// Pauses every assigned partition not paused yet (one assigned while
    /// paused, too).
    private func pauseForBackPressure() {
        let unpaused = positions.withLock { $0.assigned }.subtracting(pausedForBackPressure).subtracting(pausedByOwner)
        guard !unpaused.isEmpty else { return }
        if pausedForBackPressure.isEmpty {
            logger.info("the owner has not taken the last records for \(Self.stallBeforePausing): pausing \(unpaused.count) partitions and polling on until it does")
        }
        do { try pausePartitions(Array(unpaused), paused: true) } catch { logger.error("\(error)") }
        pausedForBackPressure.formUnion(unpaused)
    }

    private func resumeAfterBackPressure() {
        let paused = pausedForBackPressure.intersection(positions.withLock { $0.assigned })
        pausedForBackPressure.removeAll()
        logger.info("the owner takes records again: resuming \(paused.count) partitions")
        do { try pausePartitions(Array(paused), paused: false) } catch { logger.error("\(error)") }
    }

    private func runPendingCommands(failingWith closedError: KafkaError?) {
        let pending = commands.withLock { commands in
            defer { commands.removeAll() }
            return commands
        }
        for (command, done) in pending {
            if let closedError {
                done.complete(.failure(closedError))
                continue
            }
            do {
                try command(self)
                done.complete(.success(()))
            } catch {
                done.complete(.failure(error))
            }
        }
    }

    /// Copies the messages out of librdkafka, destroys them, and keeps only
    /// records the owner should see: of an assigned partition, each offset once.
    private func takeRecords(_ messages: ArraySlice<UnsafeMutablePointer<rd_kafka_message_t>?>) -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        records.reserveCapacity(messages.count)
        var topicNames: [OpaquePointer: String] = [:]
        for case let message? in messages {
            defer { rd_kafka_message_destroy(message) }
            let raw = message.pointee
            guard raw.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                logger.warning("consumer: \(KafkaError(raw.err, String(cString: rd_kafka_message_errstr(message))))")
                continue
            }
            let topic = topicNames[raw.rkt] ?? String(cString: rd_kafka_topic_name(raw.rkt))
            topicNames[raw.rkt] = topic
            records.append(Self.record(message, topic: topic))
        }
        // A partition revoked and assigned again within one batch call may have
        // records from before the revocation in the batch; with a start offset
        // from the owner they are dropped and fetched again from there.
        let reassignedInThisCall = revokedDuringCall.filter { (startOffsetsAssignedDuringCall[$0] ?? nil) != nil }
        var needsSeek: [KafkaTopicPartition: Int64] = [:]
        let kept = positions.withLock { positions in
            records.filter { record in
                let partition = record.topicPartition
                guard positions.assigned.contains(partition) else { return false }
                if reassignedInThisCall.contains(partition) {
                    needsSeek[partition] = startOffsetsAssignedDuringCall[partition] ?? nil
                    return false
                }
                if let next = positions.nextOffset[partition], record.offset < next { return false }
                positions.nextOffset[partition] = record.offset + 1
                return true
            }
        }
        seek(needsSeek.map { ($0.key, $0.value) })
        return kept
    }

    private static func record(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) -> KafkaConsumerRecord {
        let raw = message.pointee
        let key = raw.key.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) }
        let value = raw.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.len)) } ?? []
        var headers: [KafkaHeader] = []
        var nativeHeaders: OpaquePointer?
        if rd_kafka_message_headers(message, &nativeHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let nativeHeaders {
            let count = rd_kafka_header_cnt(nativeHeaders)
            headers.reserveCapacity(count)
            for index in 0..<count {
                var name: UnsafePointer<CChar>?
                var bytes: UnsafeRawPointer?
                var size = 0
                if rd_kafka_header_get_all(nativeHeaders, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let name {
                    let value = bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                    headers.append(KafkaHeader(name: String(cString: name), value: value))
                }
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaConsumerRecord(
            topicPartition: KafkaTopicPartition(topic: topic, partition: raw.partition), offset: raw.offset,
            key: key, value: value, headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }

    // MARK: Rebalancing (called by librdkafka on the polling thread)

    private func rebalance(_ err: rd_kafka_resp_err_t, _ list: KafkaPartitionList.Pointer) {
        let partitions = KafkaPartitionList.topicPartitions(of: list)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(client.pointer)) == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            assign(partitions, list: list)
            let error = cooperative ? rd_kafka_incremental_assign(client.pointer, list) : nil
            if !cooperative { _ = rd_kafka_assign(client.pointer, list) }
            if let error { logger.error("assigning partitions: \(KafkaError(consuming: error, "incremental assign"))") }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            revoke(partitions)
            let error = cooperative ? rd_kafka_incremental_unassign(client.pointer, list) : nil
            if !cooperative { _ = rd_kafka_assign(client.pointer, nil) }
            if let error { logger.error("revoking partitions: \(KafkaError(consuming: error, "incremental unassign"))") }
        default:
            logger.error("rebalance failed: \(KafkaError(err, "rebalance"))")
            revoke(partitions)
            _ = rd_kafka_assign(client.pointer, nil)
        }
    }

    private func assign(_ partitions: [KafkaTopicPartition], list: KafkaPartitionList.Pointer) {
        let listener = listener
        let startOffsets: [KafkaTopicPartition: Int64]
        do {
            startOffsets = try ThreadBridge.wait { try await listener.partitionsAssigned(partitions) }
        } catch {
            // Without the owner's offsets no record may be delivered: the
            // partitions stay out of `assigned` and the consumer stops.
            logger.error("the owner could not take partitions \(partitions): \(error)")
            failure.withLock { $0 = error }
            stop.request()
            return
        }
        for index in KafkaPartitionList.elements(of: list).indices {
            let partition = partitions[index]
            if let offset = startOffsets[partition] { list.pointee.elems[index].offset = offset }
            startOffsetsAssignedDuringCall[partition] = startOffsets[partition]
        }
        positions.withLock { positions in
            for partition in partitions {
                positions.assigned.insert(partition)
                positions.nextOffset[partition] = startOffsets[partition]
            }
        }
        logger.info("assigned \(partitions.count) partitions: \(partitions.map(\.description).joined(separator: ", "))")
    }

    /// Assigns the pinned partitions of every topic, as a group would: the
    /// owner claims them (fencing whoever had them) and supplies the offsets.
    /// A partition the topic does not have stops the consumer: reading the
    /// others would leave it silently unread.
    private func assignPinned(_ pinned: PartitionSelection) {
        // Kafka not reachable yet (a container started before its brokers)
        // is waited for, as a group member waits for its group.
        var metadata: UnsafePointer<rd_kafka_metadata>?
        while true {
            let err = rd_kafka_metadata(client.pointer, 1, nil, &metadata, 5_000)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { break }
            guard !stop.isRequested else { return }
            logger.warning("reading the partition counts of \(configuration.topics.joined(separator: ", ")): \(KafkaError(err, "metadata")); trying again")
            usleep(1_000_000)
        }
        guard let metadata else { return }
        let counts = Dictionary(
            UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt)).map {
                (String(cString: $0.topic), $0.err == RD_KAFKA_RESP_ERR_NO_ERROR ? Int32($0.partition_cnt) : 0)
            }) { first, _ in first }
        rd_kafka_metadata_destroy(metadata)
        for topic in configuration.topics {
            let count = counts[topic] ?? 0
            guard let beyond = pinned.partitions.first(where: { $0 >= count }) else { continue }
            return fail(KafkaError(
                RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
                "--partitions \(pinned) names partition \(beyond), but \(topic) has \(count == 0 ? "no partitions (does it exist?)" : "only \(count)")"))
        }
        let partitions = configuration.topics.flatMap { topic in pinned.partitions.map { KafkaTopicPartition(topic: topic, partition: $0) } }
        let list = KafkaPartitionList.make(partitions.map { ($0, nil) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        assign(partitions, list: list)
        guard !stop.isRequested else { return }
        let assigned = rd_kafka_assign(client.pointer, list)
        if assigned != RD_KAFKA_RESP_ERR_NO_ERROR { fail(KafkaError(assigned, "assigning partitions \(pinned)")) }
    }

    private func unassignPinned() {
        let assigned = positions.withLock { $0.assigned }
        if !assigned.isEmpty { revoke(assigned.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }) }
        _ = rd_kafka_assign(client.pointer, nil)
    }

    private func fail(_ error: KafkaError) {
        logger.error("\(error)")
        failure.withLock { $0 = error }
        stop.request()
    }

    private func revoke(_ partitions: [KafkaTopicPartition]) {
        // A partition comes back unpaused if it is assigned again, and a
        // record read before the revocation is not the next owner's to see.
        let revoked = Set(partitions)
        let paused = revoked.intersection(pausedForBackPressure.union(pausedByOwner))
        if !paused.isEmpty { try? pausePartitions(Array(paused), paused: false) }
        pausedForBackPressure.subtract(revoked)
        pausedByOwner.subtract(revoked)
        held.removeAll { revoked.contains($0.topicPartition) }
        let listener = listener
        let lost = rd_kafka_assignment_lost(client.pointer) != 0
        _ = try? ThreadBridge.wait { lost ? await listener.partitionsLost(partitions) : await listener.partitionsRevoked(partitions) }
        positions.withLock { positions in
            for partition in partitions {
                positions.assigned.remove(partition)
                positions.nextOffset[partition] = nil
            }
        }
        revokedDuringCall.formUnion(partitions)
        logger.info("\(lost ? "lost" : "revoked") \(partitions.count) partitions: \(partitions.map(\.description).joined(separator: ", "))")
    }

    // MARK: Commands (run on the polling thread)

    /// Moves these partitions to these offsets; returns (and logs) what
    /// librdkafka refused.
    @discardableResult
    func seek(_ offsets: [(KafkaTopicPartition, Int64)]) -> KafkaError? {
        guard !offsets.isEmpty else { return nil }
        let moved = Set(offsets.map(\.0))
        held.removeAll { moved.contains($0.topicPartition) }
        let failure = KafkaPartitionList.withList(offsets.map { ($0.0, Optional($0.1)) }) { list -> KafkaError? in
            if let error = rd_kafka_seek_partitions(client.pointer, list, 5_000) { return KafkaError(consuming: error, "seek") }
            return KafkaPartitionList.firstError(in: list, "seek")
        }
        if let failure { logger.error("\(failure)") }
        positions.withLock { positions in
            for (partition, offset) in offsets where positions.assigned.contains(partition) {
                positions.nextOffset[partition] = offset
            }
        }
        return failure
    }

    /// A synchronous commit, on the caller's thread. None overlaps closing:
    /// librdkafka 2.0 aborts (`rd_kafka_cgrp_terminated: assert:
    /// !rd_kafka_assignment_in_progress`) when a commit arrives while the
    /// group terminates, which is where the final checkpoint of a close used
    /// to commit from (it crashed the demo on Ctrl-C). So closing waits for
    /// the commits in flight, and refuses new ones.
    func commit(_ offsets: [KafkaTopicPartition: Int64]) throws {
        let admitted = commits.withLock { gate in
            guard !gate.closing else { return false }
            gate.inFlight += 1
            return true
        }
        guard admitted else { throw KafkaError(code: RD_KAFKA_RESP_ERR__DESTROY.rawValue, message: "the consumer is closing") }
        defer { commits.withLock { $0.inFlight -= 1 } }
        try KafkaPartitionList.withList(offsets.map { ($0.key, $0.value) }) { list in
            let err = rd_kafka_commit(client.pointer, list, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "committing offsets") }
            if let error = KafkaPartitionList.firstError(in: list, "committing") { throw error }
        }
    }

    /// The owner's own pause or resume; back-pressure leaves these alone.
    func setPaused(_ partitions: [KafkaTopicPartition], paused: Bool) throws {
        try pausePartitions(partitions, paused: paused)
        if paused { pausedByOwner.formUnion(partitions) } else { pausedByOwner.subtract(partitions) }
    }

    private func pausePartitions(_ partitions: [KafkaTopicPartition], paused: Bool) throws {
        guard !partitions.isEmpty else { return }
        try KafkaPartitionList.withList(partitions.map { ($0, nil) }) { list in
            let err = paused ? rd_kafka_pause_partitions(client.pointer, list) : rd_kafka_resume_partitions(client.pointer, list)
            let action = paused ? "pausing" : "resuming"
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, action) }
            if let error = KafkaPartitionList.firstError(in: list, action) { throw error }
        }
    }
}
