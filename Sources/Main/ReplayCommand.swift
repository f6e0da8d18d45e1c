import Actors
import ArgumentParser
import Foundation
import Pipeline

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Backtest thresholds: NDJSON envelopes in, one JSON line per mode switch out.",
        discussion: """
            Offline — no Kafka, no database. Runs normalise → validate → decide exactly as the processor \
            does. Mode switches go to standard output, a summary to standard error. A malformed line is \
            reported with its line number and skipped.
            """)

    @Option(name: .long, help: "NDJSON file of envelopes, or - for standard input.")
    var input: String

    @Option(name: .long, help: "Thresholds file (default: the built-in defaults).")
    var config: String?

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, text
    }

    @Option(name: .long, help: "json: the mode-switch JSON, one per line (the Kafka message). text: one readable line per switch.")
    var format: Format = .json

    func run() throws {
        let thresholds = try config.map(ConfigurationWatcher.load(path:)) ?? BridgeConfiguration()
        var runner = ReplayRunner(configuration: thresholds)
        var output = OutputBuffer()
        var lineNumber = 0
        for line in try LineReader(path: input) {
            lineNumber += 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            do {
                if let modeSwitch = try runner.process(line: line) {
                    output.writeLine(format == .json ? modeSwitch.json : Self.text(modeSwitch))
                }
            } catch {
                FileHandle.standardError.write(Data("line \(lineNumber): skipped, \(error)\n".utf8))
            }
        }
        output.flush()
        FileHandle.standardError.write(Data("\(runner.summary.report)\n  config version     \(runner.configVersion)\n".utf8))
    }

    static func text(_ modeSwitch: ModeSwitch) -> String {
        func column(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        return "\(modeSwitch.eventTime)  \(column(modeSwitch.userID, 12)) \(column(modeSwitch.previousMode.rawValue, 10)) → "
            + "\(column(modeSwitch.newMode.rawValue, 10)) \(column(modeSwitch.reasonCode.rawValue, 21)) confidence \(JSONWriter.number(modeSwitch.confidence))"
    }
}

/// Collects output lines and writes them in large blocks.
private struct OutputBuffer {
    private var bytes: [UInt8] = []

    mutating func writeLine(_ line: String) {
        bytes.append(contentsOf: line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(bytes))
        bytes.removeAll(keepingCapacity: true)
    }
}
