import Actors
import Foundation
import Glibc
import Synchronization
import Workbench

/// `bench pipeline --external-load`: the mock cluster and the producers in a
/// `kafka-mock` process of this executable, pinned to the last core where
/// there are two or more, driven by one request a line on its standard
/// input. The processor then pays only for its own work, and the latency it
/// shows is its own plus the broker's round trips over TCP.
final class ExternalLoad: LoadHarness {
    let bootstrapServers: String
    let placement: String
    private let processID: pid_t
    private let channel: Mutex<Channel>

    /// Starts the `kafka-mock` process with `topics` and waits for its broker.
    static func start(envelopes: SyntheticEnvelopes, topics: [KafkaTopicSpecification]) async throws -> ExternalLoad {
        try await ThreadBridge.offload { try ExternalLoad(envelopes: envelopes, topics: topics) }
    }

    private init(envelopes: SyntheticEnvelopes, topics: [KafkaTopicSpecification]) throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let arguments = ["kafka-mock", "--brokers", "1", "--synthetic-users", "\(envelopes.users)", "--workload", envelopes.workload.rawValue]
            + topics.flatMap { ["--topic", "\($0.name):\($0.partitions)"] }
        let process = Process()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if cores >= 2, FileManager.default.isExecutableFile(atPath: Self.taskset) {
            process.executableURL = URL(fileURLWithPath: Self.taskset)
            process.arguments = ["--cpu-list", "\(cores - 1)", executable] + arguments
            placement = "mock broker and producers in a kafka-mock process pinned to core \(cores - 1) (of \(cores))"
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            placement = "mock broker and producers in a kafka-mock process, not pinned (\(cores) core(s), taskset \(cores >= 2 ? "missing" : "of no use"))"
        }
        let requests = Pipe(), answers = Pipe()
        process.standardInput = requests
        process.standardOutput = answers
        try process.run()
        processID = process.processIdentifier
        let channel = try Channel(process: process, requests: requests, answers: answers)
        let first = try channel.readLine()
        let prefix = "bootstrap.servers="
        guard first.hasPrefix(prefix) else { throw Failed(description: "kafka-mock began with '\(first)'") }
        bootstrapServers = String(first.dropFirst(prefix.count))
        self.channel = Mutex(channel)
    }

    private static let taskset = "/usr/bin/taskset"

    func append(_ indices: Range<Int>, topic: String) async throws {
        try await send(.append(topic: topic, indices: indices))
    }

    func prepare(_ indices: Range<Int>, topic: String) async throws {
        try await send(.prepare(topic: topic, indices: indices))
    }

    func pace(_ indices: Range<Int>, topic: String, rate: Double) async throws {
        try await send(.pace(topic: topic, indices: indices, rate: rate))
    }

    func cpuMeter() -> CPUMeter? { CPUMeter(process: processID) }

    /// Ends the process's standard input, which stops it, and waits for it.
    func close() async {
        _ = try? await ThreadBridge.offload { self.channel.withLock { $0.close() } }
    }

    private func send(_ request: SyntheticLoadRequest) async throws {
        let answer = try await ThreadBridge.offload {
            try self.channel.withLock { channel in
                try channel.writeLine(request.description)
                return try channel.readLine()
            }
        }
        guard answer == SyntheticLoadRequest.done else { throw Failed(description: "kafka-mock, asked to '\(request)': \(answer)") }
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// The process's pipes as C streams, whose line reading blocks: used on
    /// threads of their own, never on the cooperative pool.
    private final class Channel {
        private let process: Process
        private var requests: UnsafeMutablePointer<FILE>?
        private let answers: UnsafeMutablePointer<FILE>

        init(process: Process, requests: Pipe, answers: Pipe) throws {
            self.process = process
            // The streams own copies of the descriptors; the pipes' own ends
            // are closed, so closing the stream is what ends the child's input.
            guard let requestStream = fdopen(dup(requests.fileHandleForWriting.fileDescriptor), "w"),
                  let answerStream = fdopen(dup(answers.fileHandleForReading.fileDescriptor), "r") else {
                throw Failed(description: "could not open kafka-mock's pipes: \(String(cString: strerror(errno)))")
            }
            try requests.fileHandleForWriting.close()
            try answers.fileHandleForReading.close()
            self.requests = requestStream
            self.answers = answerStream
        }

        func writeLine(_ line: String) throws {
            guard let requests, fputs(line + "\n", requests) >= 0, fflush(requests) == 0 else {
                throw Failed(description: "kafka-mock stopped reading (exit status \(process.isRunning ? "none yet" : "\(process.terminationStatus)"))")
            }
        }

        func readLine() throws -> String {
            var buffer: UnsafeMutablePointer<CChar>?
            var size = 0
            defer { free(buffer) }
            guard getline(&buffer, &size, answers) > 0, let buffer else {
                process.waitUntilExit()
                throw Failed(description: "kafka-mock ended (exit status \(process.terminationStatus))")
            }
            return String(cString: buffer).trimmingCharacters(in: .newlines)
        }

        func close() {
            guard let requests else { return }
            fclose(requests)
            self.requests = nil
            process.waitUntilExit()
            fclose(answers)
        }
    }
}
