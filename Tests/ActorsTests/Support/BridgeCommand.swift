import Foundation
import Testing

/// One `biometric-bridge <command>` run to its end, as an operator runs it.
/// Output goes to files, so a chatty child never blocks on a full pipe, and
/// the wait is asynchronous and bounded: a hung command fails its test with
/// the command's thread stacks instead of holding a thread of the pool.
struct BridgeCommand {
    let status: Int32
    let output: String
    let errors: String

    static func run(
        _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil, within limit: Duration = .seconds(60),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> BridgeCommand {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appendingPathComponent("stdout")
        let errorFile = folder.appendingPathComponent("stderr")
        let inputFile = folder.appendingPathComponent("stdin")
        for file in [outputFile, errorFile, inputFile] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        if let input { try input.write(to: inputFile) }

        let process = Process()
        process.executableURL = BridgeExecutable.url
        process.arguments = arguments
        process.currentDirectoryURL = ProjectRoot.url
        if let environment { process.environment = environment }
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        _ = await process.exit(within: limit, "biometric-bridge \(arguments.joined(separator: " "))", sourceLocation: sourceLocation)
        return BridgeCommand(
            status: process.terminationStatus,
            output: try String(contentsOf: outputFile, encoding: .utf8),
            errors: try String(contentsOf: errorFile, encoding: .utf8))
    }
}
