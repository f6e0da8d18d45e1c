import Actors
import Foundation
import Testing
import Workbench

/// `kafka-mock --synthetic-users`: the broker and the producers of
/// `bench pipeline --external-load`, driven a request a line.
struct SyntheticLoadTests {
    @Test func requestsReadAsWritten() {
        let requests: [SyntheticLoadRequest] = [
            .append(topic: "events", indices: 0..<200_000),
            .prepare(topic: "paced", indices: 7..<90),
            .pace(topic: "paced", indices: 7..<7, rate: 55_123.5),
        ]
        for request in requests { #expect(SyntheticLoadRequest(request.description) == request) }
    }

    @Test(arguments: ["", "append", "append t 0", "append t 5 3", "append t -1 3", "append t 0 3 9", "pace t 0 3", "pace t 0 3 0",
                      "pace t 0 3 -5", "pace t 0 3 nan", "pace t 0 3 inf", "send t 0 3", "prepare t 0", "prepare t 0 3 9", "append t 0 99999999999999999999"])
    func malformedRequestsAreRefused(line: String) {
        #expect(SyntheticLoadRequest(line) == nil)
    }

    /// Backlog and paced envelopes land on the topic as the bench's own
    /// producer would write them; a bad line is answered, not fatal; the
    /// process ends with its input.
    @Test func theProcessSendsWhatItIsAskedFor() async throws {
        let process = Process()
        process.executableURL = BridgeExecutable.url
        process.arguments = ["kafka-mock", "--brokers", "1", "--topic", "load:2", "--synthetic-users", "7", "--workload", "switch-heavy"]
        let requests = Pipe(), answers = Pipe()
        process.standardInput = requests
        process.standardOutput = answers
        process.standardError = FileHandle.nullDevice
        try process.run()
        let lines = AnswerLines(answers.fileHandleForReading)
        let bootstrap = try #require(lines.next())
        #expect(bootstrap.hasPrefix("bootstrap.servers="))

        func ask(_ line: String) throws -> String? {
            try requests.fileHandleForWriting.write(contentsOf: Data("\(line)\n".utf8))
            return lines.next()
        }
        #expect(try ask("append load 0 40") == "done")
        // Prepared records are sent by the pace of the same envelopes, once.
        #expect(try ask("prepare load 40 90") == "done")
        #expect(try ask("pace load 40 90 1000") == "done")
        #expect(try ask("prepare load 0 5") == "done")
        #expect(try ask("pace load 90 100 1000") == "done")
        #expect(try ask("append load") == "failed: not a request: 'append load'")

        let records = try await ProcessorChecks.records(of: "load", bootstrapServers: String(bootstrap.dropFirst("bootstrap.servers=".count)))
        let envelopes = SyntheticEnvelopes(users: 7, workload: .switchHeavy)
        let expected = Set((0..<100).map { envelopes.record($0, topic: "load").value })
        let missing = expected.subtracting(records.map(\.value))
        #expect(records.count == 100)
        #expect(missing.isEmpty, "\(missing.count) of the 100 envelopes are not on the topic as the bench writes them")

        try requests.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// The answers, a line at a time (short blocking reads: the process
    /// answers as soon as its records are in).
    private final class AnswerLines {
        private let handle: FileHandle

        init(_ handle: FileHandle) {
            self.handle = handle
        }

        func next() -> String? {
            var line = Data()
            while let byte = try? handle.read(upToCount: 1), let first = byte.first {
                if first == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
                line.append(first)
            }
            return nil
        }
    }
}
