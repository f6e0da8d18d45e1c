import Actors
import Foundation
import Pipeline
import PostgresNIO
import Testing
import Workbench

/// Crashes, a second member, a blocked database, configuration changes and
/// SIGTERM: none may lose a record or apply an effect twice.
@Suite("Processor resilience", .serialized, .timeLimit(.minutes(10)))
struct ProcessorResilienceTests {
    static let topics = ["biometric-events:16", "neuros-mode-switches:4", "biometric-events.dlq:2"]

    @Test("killed with SIGKILL three times and restarted: the same states and switch ids as an uninterrupted run")
    func crashesChangeNothing() async throws {
        let workload = EnvelopeWorkload(envelopes: 80_000, users: 1_500, seed: 2)
        let expected = await workload.replay()
        let cluster = try MockClusterProcess(brokers: 3, topics: Self.topics)
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { settings, client in
            var random = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
            var ends: [KafkaTopicPartition: Int64] = [:]
            // Each crash has a quarter of the records of its own, produced
            // over twenty seconds while its processor runs, and the kill comes
            // while that quarter is still arriving: mid-stream by construction,
            // however fast the processor catches up.
            for crash in 1...3 {
                let quarter = (crash - 1) * 20_000..<crash * 20_000
                let processor = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings)
                let producing = Task {
                    var ends: [KafkaTopicPartition: Int64] = [:]
                    for start in stride(from: quarter.lowerBound, to: quarter.upperBound, by: 1_000) {
                        ends.merge(try await workload.produce(to: cluster.bootstrapServers, range: start..<(start + 1_000))) { max($0, $1) }
                        try await Task.sleep(for: .seconds(1))
                    }
                    return ends
                }
                // Kill at a random moment once it has made progress into its quarter.
                try await eventually("the processor checkpoints before crash \(crash)") {
                    try await ProcessorChecks.offsets(client).values.reduce(0, +) > Int64(quarter.lowerBound + 2_000)
                }
                try await Task.sleep(for: .milliseconds(Int(random.next() % 700)))
                let checkpointed = try await ProcessorChecks.offsets(client).values.reduce(0, +)
                processor.kill()
                #expect(checkpointed < Int64(quarter.upperBound), "crash \(crash) fell mid-stream (\(checkpointed) checkpointed)")
                ends.merge(try await producing.value) { max($0, $1) }
            }
            ends.merge(try await workload.produce(to: cluster.bootstrapServers, range: 60_000..<80_000)) { max($0, $1) }
            let last = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings)
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)
            try await eventually("the last processor is up") { last.log.contains("processor started") }
            #expect(await last.terminate().status == 0)

            let expectedIDs = Set(expected.switches.map(\.switchID))
            #expect(try await ProcessorChecks.storedSwitchIDs(client) == expectedIDs)
            let published = try await ProcessorChecks.records(of: "neuros-mode-switches", bootstrapServers: cluster.bootstrapServers, atLeast: expectedIDs.count)
            #expect(ProcessorChecks.switchIDs(in: published) == expectedIDs, "replays re-send the same ids, never other decisions")
            #expect(try await ProcessorChecks.states(client) == expected.states, "byte-identical user states")
        }
    }

    @Test("two processors split the partitions; killing one hands them to the other without loss or double effect")
    func twoMembersAndAKill() async throws {
        let workload = EnvelopeWorkload(envelopes: 40_000, users: 1_000, seed: 3)
        let expected = await workload.replay()
        let cluster = try MockClusterProcess(brokers: 3, topics: Self.topics)
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { settings, client in
            let first = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings)
            let second = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings)
            try await eventually("both members own partitions") {
                first.log.contains("assigned") && second.log.contains("assigned")
            }
            let ends = try await workload.produce(to: cluster.bootstrapServers, range: 0..<20_000)
            try await eventually("both members checkpointed work") {
                try await ProcessorChecks.offsets(client).count == ends.count
            }
            second.kill()
            let allEnds = try await workload.produce(to: cluster.bootstrapServers, range: 20_000..<40_000).merging(ends) { max($0, $1) }
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: allEnds)
            #expect(first.log.contains("assigned") && first.log.split(separator: "\n").filter { $0.contains("assigned") }.count >= 2,
                    "the survivor took the partitions of the killed member")
            #expect(await first.terminate().status == 0)
            #expect(try await ProcessorChecks.storedSwitchIDs(client) == Set(expected.switches.map(\.switchID)))
            #expect(try await ProcessorChecks.states(client) == expected.states)
        }
    }

    /// A member frozen past its session (a stalled VM, a long pause) comes
    /// back believing it owns its partitions. Before owner epochs it wrote
    /// its stale cut on revocation, took the partitions back and applied its
    /// successor's records a second time (20 of 220 users' states ended past
    /// the uninterrupted result): the successor processes more records per
    /// user than a state remembers ids of, so de-duplication cannot hide it.
    @Test("a member frozen past its session (SIGSTOP) and continued: its stale cut is refused, states and switch ids equal replay's")
    func aFrozenMemberCannotWriteAStaleCut() async throws {
        let workload = EnvelopeWorkload(envelopes: 40_000, users: 220, seed: 5)
        let expected = await workload.replay()
        let cluster = try MockClusterProcess(brokers: 3, topics: Self.topics)
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { settings, client in
            let zombie = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings)
            try await eventually("the first member owns partitions") { zombie.log.contains("assigned") }
            var ends: [KafkaTopicPartition: Int64] = [:]
            // Frozen mid-stream: records keep arriving, so it holds some it has not checkpointed.
            for start in stride(from: 0, to: 12_000, by: 1_000) {
                ends.merge(try await workload.produce(to: cluster.bootstrapServers, range: start..<(start + 1_000))) { max($0, $1) }
                if start == 7_000 {
                    try await eventually("the first member checkpointed work") { try await ProcessorChecks.offsets(client).values.reduce(0, +) > 2_000 }
                    zombie.freeze()
                }
                try await Task.sleep(for: .milliseconds(150))
            }
            let successor = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings)
            try await eventually("the successor took the partitions over", timeout: .seconds(60)) { successor.log.contains("assigned") }
            ends.merge(try await workload.produce(to: cluster.bootstrapServers, range: 12_000..<36_000)) { max($0, $1) }
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)

            zombie.thaw()
            try await eventually("the thawed member rejoined", timeout: .seconds(90)) {
                zombie.log.split(separator: "\n").filter { $0.contains("] assigned") }.count >= 2
            }
            ends.merge(try await workload.produce(to: cluster.bootstrapServers, range: 36_000..<40_000)) { max($0, $1) }
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)
            #expect(await zombie.terminate().status == 0, "\(zombie.log.suffix(3_000))")
            #expect(await successor.terminate().status == 0, "\(successor.log.suffix(3_000))")

            #expect(zombie.log.contains("refused for") || zombie.log.contains("lost "),
                    "the thawed member neither had a checkpoint refused nor lost its partitions: \(zombie.log.suffix(3_000))")
            #expect(try await ProcessorChecks.storedSwitchIDs(client) == Set(expected.switches.map(\.switchID)))
            let states = try await ProcessorChecks.states(client)
            let wrong = expected.states.keys.filter { states[$0] != expected.states[$0] }
            #expect(wrong.isEmpty, "\(wrong.count) of \(expected.states.count) users' states differ from replay's")
        }
    }

    @Test("while PostgreSQL writes are blocked, memory stays bounded, /ready says 503 and nothing is lost; then it catches up and is ready")
    func blockedDatabase() async throws {
        let workload = EnvelopeWorkload(envelopes: 80_000, users: 2_000, seed: 4)
        let expected = await workload.replay()
        let cluster = try MockClusterProcess(brokers: 3, topics: Self.topics)
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { settings, client in
            let processor = try ProcessorProcess(
                bootstrapServers: cluster.bootstrapServers, database: settings,
                arguments: ["--checkpoint-window", "5000", "--ready-checkpoint-age", "3"])
            try await eventually("the processor is ready") { try processor.readiness().status == 200 }
            try await eventually("the processor joined") { processor.log.contains("assigned") }
            let idle = processor.residentBytes
            let released = TestDatabase.blockingCheckpoints(in: settings, for: .seconds(12))
            try await Task.sleep(for: .milliseconds(500))
            let producing = Task { try await workload.produce(to: cluster.bootstrapServers) }
            var peak = 0
            for _ in 0..<20 {
                try await Task.sleep(for: .milliseconds(500))
                peak = max(peak, processor.residentBytes)
            }
            #expect(try await ProcessorChecks.offsets(client).isEmpty, "no checkpoint got through the lock")
            let blocked = try processor.readiness()
            #expect(blocked.status == 503 && blocked.failing.contains("checkpoints"), "\(blocked)")
            try await released.value
            let ends = try await producing.value
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)
            try await eventually("ready again once checkpoints go through") { try processor.readiness().status == 200 }
            #expect(await processor.terminate().status == 0)
            #expect(peak - idle < 300 << 20, "resident memory grew by \((peak - idle) >> 20) MiB while blocked")
            #expect(try await ProcessorChecks.states(client) == expected.states)
            #expect(try await ProcessorChecks.storedSwitchIDs(client) == Set(expected.switches.map(\.switchID)))
        }
    }

    /// A checkpoint blocked three times longer than `max.poll.interval.ms`:
    /// the ingest stage stops taking records, and the polling thread used to
    /// wait for it without polling, so librdkafka left the group, the
    /// partitions were lost and claimed anew. Now the consumer pauses its
    /// partitions and polls on: one assignment, one owner epoch throughout.
    @Test("a checkpoint blocked past max.poll.interval: the partitions are paused, not lost, and nothing is lost or applied twice")
    func longStallKeepsTheAssignment() async throws {
        let workload = EnvelopeWorkload(envelopes: 30_000, users: 500, seed: 8)
        let expected = await workload.replay()
        let cluster = try MockClusterProcess(brokers: 1, topics: Self.topics)
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { settings, client in
            let processor = try ProcessorProcess(
                bootstrapServers: cluster.bootstrapServers, database: settings,
                arguments: ["--session-timeout", "6", "--kafka-property", "max.poll.interval.ms=7000", "--checkpoint-window", "2000"])
            try await eventually("the processor joined") { processor.log.contains("assigned") }
            let released = TestDatabase.blockingCheckpoints(in: settings, for: .seconds(21))
            try await Task.sleep(for: .milliseconds(500))
            let ends = try await workload.produce(to: cluster.bootstrapServers)
            try await released.value
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)
            #expect(await processor.terminate().status == 0, "\(processor.log.suffix(2_000))")

            #expect(processor.log.contains("pausing"), "the stall reached the consumer: \(processor.log.suffix(2_000))")
            let assignments = processor.log.split(separator: "\n").filter { $0.contains("] assigned") }
            #expect(assignments.count == 1, "assigned once, never lost: \(processor.log.suffix(3_000))")
            var epochs: [Int64] = []
            for try await epoch in try await client.query("SELECT owner_epoch FROM partition_owners").decode(Int64.self) { epochs.append(epoch) }
            #expect(!epochs.isEmpty && epochs.allSatisfy { $0 == 1 }, "claimed once: \(epochs)")
            #expect(try await ProcessorChecks.states(client) == expected.states)
            #expect(try await ProcessorChecks.storedSwitchIDs(client) == Set(expected.switches.map(\.switchID)))
        }
    }

    @Test("a configuration change on disk changes decisions from then on; a broken file changes nothing and is reported")
    func configurationReload() async throws {
        let cluster = try MockClusterProcess(brokers: 1, topics: Self.topics)
        defer { cluster.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("thresholds.yaml")
        try "thresholds:\n  heart_rate_elevated: 100\n".write(to: file, atomically: true, encoding: .utf8)
        let strictVersion = try ConfigurationLoader.load(yaml: "thresholds:\n  heart_rate_elevated: 100\n").version
        let lenientText = "thresholds:\n  heart_rate_elevated: 150\n  heart_rate_elevation: 100\nanomalies:\n  extreme_hr_elevation: 100\n"
        let lenientVersion = try ConfigurationLoader.load(yaml: lenientText).version

        @Sendable func send(_ users: Range<Int>) async throws -> [KafkaTopicPartition: Int64] {
            try await EnvelopeWorkload.sendHeartRates(105, users: users.map { "user-\($0)" }, at: "2026-11-20T08:00:00Z", to: cluster.bootstrapServers)
        }

        try await TestDatabase.withMigratedDatabase { settings, client in
            let processor = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings, configPath: file.path)
            var ends = try await send(0..<20)
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)

            try lenientText.write(to: file, atomically: true, encoding: .utf8)
            try await eventually("the new file is in force") { processor.log.contains("version \(lenientVersion) in force") }
            ends.merge(try await send(20..<40)) { max($0, $1) }
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)

            try "thresholds:\n  heart_rate_elevated: -1\n".write(to: file, atomically: true, encoding: .utf8)
            try await eventually("the broken file is reported") { processor.log.contains("refused") && processor.log.contains("thresholds.heart_rate_elevated") }
            ends.merge(try await send(40..<60)) { max($0, $1) }
            try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)
            #expect(await processor.terminate().status == 0)

            var versions: [String: String] = [:]
            for try await (user, version) in try await client.query("SELECT user_id, config_version FROM mode_transitions").decode((String, String).self) {
                versions[user] = version
            }
            #expect((0..<20).allSatisfy { versions["user-\($0)"] == strictVersion }, "before the change: reflex under the file's first version")
            #expect((20..<60).allSatisfy { versions["user-\($0)"] == nil }, "after it: HR 105 is no longer a reflex, and the broken file changed nothing")
        }
    }

    @Test("SIGTERM exits 0 within 10 s with a final checkpoint written")
    func sigtermWritesAFinalCheckpoint() async throws {
        let workload = EnvelopeWorkload(envelopes: 20_000, users: 500, seed: 5)
        let cluster = try MockClusterProcess(brokers: 1, topics: Self.topics)
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { settings, client in
            // A long interval: only the final checkpoint can write the last offsets.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("thresholds.yaml")
            try "checkpoint:\n  interval_seconds: 3600\n  max_dirty_users: 100000\nsignificant_change:\n  hrv_ms: 1000\n  heart_rate_bpm: 1000\n  stress: 1\n".write(to: file, atomically: true, encoding: .utf8)
            let processor = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings, configPath: file.path,
                                                 arguments: ["--checkpoint-window", "1000000"])
            var ends = try await workload.produce(to: cluster.bootstrapServers)
            try await eventually("every record consumed") { processor.log.contains("progress: 20000 consumed") }
            // A mode switch checkpoints at once; let the last of those settle,
            // then send a tail that cannot trigger one: each record the first
            // of a new user (not a significant change) with calm readings.
            try await Task.sleep(for: .seconds(2))
            let settled = try await ProcessorChecks.offsets(client)
            let tail = try await EnvelopeWorkload.sendHeartRates(65, users: (0..<50).map { "calm-\($0)" }, at: "2026-11-20T00:00:00Z", to: cluster.bootstrapServers)
            ends.merge(tail) { max($0, $1) }
            try await eventually("the tail consumed") { processor.log.contains("progress: 20050 consumed") }
            #expect(try await ProcessorChecks.offsets(client) == settled, "nothing but the final checkpoint can write the tail")
            let stop = await processor.terminate()
            #expect(stop.status == 0)
            #expect(stop.took < .seconds(10))
            #expect(processor.log.contains("stopped cleanly"))
            let stored = try await ProcessorChecks.offsets(client)
            #expect(ends.allSatisfy { stored[$0.key] == $0.value }, "the final checkpoint holds every partition's end")
        }
    }

    /// Told to stop while PostgreSQL cannot be written, the processor used to
    /// retry its final checkpoint for ever (still running a minute later).
    @Test("SIGTERM while checkpoints cannot be written: exit non-zero within the shutdown timeout, nothing committed")
    func sigtermWithoutADatabaseEndsInBoundedTime() async throws {
        let workload = EnvelopeWorkload(envelopes: 5_000, users: 200, seed: 6)
        let cluster = try MockClusterProcess(brokers: 1, topics: Self.topics)
        defer { cluster.stop() }
        try await TestDatabase.withMigratedDatabase { settings, client in
            let processor = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: settings, arguments: ["--shutdown-timeout", "5"])
            try await eventually("the processor joined") { processor.log.contains("assigned") }
            let locked = TestDatabase.blockingCheckpoints(in: settings, for: .seconds(25))
            try await Task.sleep(for: .milliseconds(500))
            try await workload.produce(to: cluster.bootstrapServers)
            try await eventually("every record consumed") { processor.log.contains("progress: 5000 consumed") }
            let stop = await processor.terminate()
            #expect(stop.status != 0, "\(processor.log.suffix(2_000))")
            #expect(stop.took < .seconds(10), "took \(stop.took)")
            #expect(processor.log.contains("stopping without a final checkpoint"))
            try await locked.value
            #expect(try await ProcessorChecks.offsets(client).isEmpty, "nothing was committed")
        }
    }

    /// PostgreSQL restarted, then the only broker set down and up, while
    /// records arrive: the processor retries its checkpoint and reconnects,
    /// Kafka's client waits for the broker, and the run ends with replay's
    /// states and switches — nothing lost, nothing applied twice. The mock
    /// cluster lives in this process, so its broker can be set down; the
    /// processor reaches it over TCP like any other.
    @Test("PostgreSQL restarted and the broker set down and up mid-run: the same states and switch ids as replay")
    func databaseRestartAndBrokerOutage() async throws {
        let workload = EnvelopeWorkload(envelopes: 100_000, users: 2_000, seed: 4)
        let expected = await workload.replay()
        let cluster = try KafkaMockCluster(brokers: 1)
        for topic in Self.topics { try cluster.createTopic(KafkaTopicSpecification(argument: topic)!) }
        let postgres = try await LocalPostgres.start(logger: TestDatabase.logger)
        do {
            try await PostgresSession.with(postgres.settings, logger: TestDatabase.logger, reachableWithin: TestDatabase.connectWithin) { client in
                try await MigrationRunner(client: client, logger: TestDatabase.logger).apply(try ProjectRoot.migrations)
                let processor = try ProcessorProcess(bootstrapServers: cluster.bootstrapServers, database: postgres.settings)
                // A twentieth every second: the faults fall mid-stream however fast the processor is.
                let producing = Task {
                    var ends: [KafkaTopicPartition: Int64] = [:]
                    for start in stride(from: 0, to: 100_000, by: 5_000) {
                        ends.merge(try await workload.produce(to: cluster.bootstrapServers, range: start..<(start + 5_000))) { max($0, $1) }
                        try await Task.sleep(for: .seconds(1))
                    }
                    return ends
                }
                try await eventually("checkpoints past 20,000 records", timeout: .seconds(120)) {
                    try await ProcessorChecks.offsets(client).values.reduce(0, +) > 20_000
                }
                try await postgres.restart(downFor: .seconds(3))
                try await eventually("checkpoints past 50,000 records after the restart", timeout: .seconds(120)) {
                    try await ProcessorChecks.offsets(client).values.reduce(0, +) > 50_000
                }
                try cluster.setBroker(1, up: false)
                try await Task.sleep(for: .seconds(5))
                try cluster.setBroker(1, up: true)
                let ends = try await producing.value
                try await ProcessorChecks.waitUntilCheckpointed(client, ends: ends)
                let stop = await processor.terminate()
                #expect(stop.status == 0, "\(processor.log.suffix(2_000))")
                // Both outages reached the processor: its pool could not connect, nor its Kafka clients.
                #expect(processor.log.contains("Connection creation failed"), "the processor saw PostgreSQL down")
                #expect(processor.log.contains("Connect to ipv4#\(cluster.bootstrapServers) failed"), "the processor saw the broker down")

                let expectedIDs = Set(expected.switches.map(\.switchID))
                #expect(try await ProcessorChecks.storedSwitchIDs(client) == expectedIDs)
                let published = try await ProcessorChecks.records(of: "neuros-mode-switches", bootstrapServers: cluster.bootstrapServers,
                                                                  atLeast: expectedIDs.count)
                #expect(ProcessorChecks.switchIDs(in: published) == expectedIDs)
                #expect(try await ProcessorChecks.states(client) == expected.states, "byte-identical user states")
            }
        } catch {
            await postgres.stop()
            throw error
        }
        await postgres.stop()
        withExtendedLifetime(cluster) {}
    }
}
