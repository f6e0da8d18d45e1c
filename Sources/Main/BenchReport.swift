import Foundation
import Logging

/// What every `bench` command shares: a quiet logger (LOG_LEVEL raises it),
/// progress on standard error unless `--json`, and the JSON form of a result.
enum BenchReport {
    static func logger() -> Logger {
        var logger = Logger(label: "auren.bench")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    static func progress(json: Bool) -> @Sendable (String) -> Void {
        { step in if !json { FileHandle.standardError.write(Data("… \(step)\n".utf8)) } }
    }

    static func printJSON(_ result: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
