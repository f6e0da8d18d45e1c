import Foundation
import Testing

/// `biometric-bridge <command>` in a process of its own, as an operator runs
/// it. Output goes to files, so a chatty child never blocks on a full pipe,
/// and the wait is asynchronous and bounded: a hung command fails its test
/// with the command's thread stacks instead of holding a thread of the pool.
final class BridgeCommand: Sendable {
    struct Outcome {
        /// The exit status, or minus the signal that ended the command (see
        /// `Process.exitStatus`); nil if it could not be waited for.
        let status: Int32?
        let output: String
        let errors: String
    }

    let process: Process
    let name: String
    private let folder: URL
    private let outputFile: URL
    private let errorFile: URL

    /// Starts the command; `finish` waits for it.
    init(_ arguments: [String], environment: [String: String]? = nil, input: Data? = nil) throws {
        name = "biometric-bridge \(arguments.joined(separator: " "))"
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        outputFile = folder.appendingPathComponent("stdout")
        errorFile = folder.appendingPathComponent("stderr")
        let inputFile = folder.appendingPathComponent("stdin")
        for file in [outputFile, errorFile, inputFile] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        if let input { try input.write(to: inputFile) }

        process = Process()
        process.executableURL = BridgeExecutable.url
        process.arguments = arguments
        process.currentDirectoryURL = ProjectRoot.url
        if let environment { process.environment = environment }
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
    }

    /// What the command has written to standard error so far.
    var errorsSoFar: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    /// Waits for the command to exit (at most `limit`, then it is killed and
    /// that is an issue) and collects what it wrote.
    func finish(within limit: Duration, sourceLocation: SourceLocation = #_sourceLocation) async -> Outcome {
        defer { try? FileManager.default.removeItem(at: folder) }
        let status = await process.exitStatus(within: limit, name, log: { [self] in errorsSoFar }, sourceLocation: sourceLocation)
        return Outcome(status: status, output: (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "", errors: errorsSoFar)
    }

    /// Runs the command to its end.
    static func run(
        _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil, within limit: Duration = .seconds(60),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Outcome {
        try await BridgeCommand(arguments, environment: environment, input: input).finish(within: limit, sourceLocation: sourceLocation)
    }
}
