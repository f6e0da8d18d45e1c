import Foundation

/// `biometric-bridge kafka-mock` in a process of its own, so clients reach
/// the cluster over TCP from outside: the way the crash tests will run it.
final class MockClusterProcess: @unchecked Sendable {
    private let process = Process()
    let bootstrapServers: String

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    init(brokers: Int = 3, topics: [String]) throws {
        let binary = BridgeExecutable.url
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw StartFailure(description: "\(binary.path) is missing: build it first (swift build), as scripts/test does")
        }
        process.executableURL = binary
        process.arguments = ["kafka-mock", "--brokers", String(brokers)] + topics.flatMap { ["--topic", $0] }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        let reader = output.fileHandleForReading
        while let byte = try reader.read(upToCount: 1), let first = byte.first, first != UInt8(ascii: "\n") {
            line.append(first)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("bootstrap.servers=") else {
            process.terminate()
            throw StartFailure(description: "kafka-mock printed '\(text)' instead of bootstrap.servers=…")
        }
        bootstrapServers = String(text.dropFirst("bootstrap.servers=".count))
    }

    /// Sends SIGTERM and waits, ten seconds at most before SIGKILL (it runs
    /// in `defer`, so it blocks; the cluster exits in milliseconds).
    @discardableResult
    func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        stop()
    }
}
