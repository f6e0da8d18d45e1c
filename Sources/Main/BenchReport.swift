import Foundation
import Logging

/// What every `bench` command shares: progress on standard error unless
/// `--json`, and the JSON form of a result.
enum BenchReport {
    static func progress(json: Bool) -> @Sendable (String) -> Void {
        { step in if !json { FileHandle.standardError.write(Data("… \(step)\n".utf8)) } }
    }

    static func printJSON(_ result: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
