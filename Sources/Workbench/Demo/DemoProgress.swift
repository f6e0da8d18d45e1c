import Actors
import Foundation
import Synchronization

/// Live progress on standard error: a bar redrawn in place on a terminal,
/// a plain line every few seconds otherwise (logs, CI).
public final class DemoProgress: Sendable {
    private let interactive: Bool
    private let lastLine = LastLine()

    public init() {
        interactive = isatty(STDERR_FILENO) == 1
    }

    public func note(_ text: String) {
        write((interactive ? "\r\u{1B}[2K" : "") + text + "\n")
    }

    /// `fraction` of the simulated days sent, with running counts.
    public func update(fraction: Double, counts: String) {
        if interactive {
            let width = 30
            let filled = Int((fraction * Double(width)).rounded(.down))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write("\r\u{1B}[2K\(bar) \(Int(fraction * 100))%  \(counts)")
        } else if lastLine.due() {
            write("… \(Int(fraction * 100))%  \(counts)\n")
        }
    }

    public func finish() {
        if interactive { write("\n") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Plain progress lines at most every five seconds.
    private final class LastLine: Sendable {
        private let last = Mutex(ContinuousClock.now - .seconds(10))

        func due() -> Bool {
            last.withLock { last in
                guard ContinuousClock.now - last >= .seconds(5) else { return false }
                last = ContinuousClock.now
                return true
            }
        }
    }
}
