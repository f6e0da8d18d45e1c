import Foundation
import Logging
import Pipeline
import Synchronization

/// Reloads the thresholds file when its content changes (checked every
/// second) or when asked (SIGHUP). A file that does not parse or fails
/// validation is refused with the key named, and the previous configuration
/// stays in force.
public final class ConfigurationWatcher: Sendable {
    public struct Counts: Sendable, Equatable {
        public var applied = 0
        public var refused = 0
    }

    private let path: String
    private let store: ConfigurationStore
    private let logger: Logger
    private let lastContent = Mutex<String?>(nil)
    private let counts = Mutex(Counts())
    private let metrics: BridgeMetrics?

    public init(path: String, store: ConfigurationStore, logger: Logger, metrics: BridgeMetrics? = nil) {
        self.path = path
        self.store = store
        self.logger = logger
        self.metrics = metrics
        lastContent.withLock { $0 = try? String(contentsOfFile: path, encoding: .utf8) }
    }

    public var reloads: Counts { counts.withLock { $0 } }

    /// Loads a thresholds file once (start-up, replay); a refused file is an
    /// error here, since there is no previous configuration to keep.
    public static func load(path: String) throws -> BridgeConfiguration {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError("cannot read the thresholds file \(path)")
        }
        do {
            return try ConfigurationLoader.load(yaml: text)
        } catch {
            throw ConfigurationError("\(path) refused: \(error)")
        }
    }

    public func run(pollInterval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            reloadIfChanged()
        }
    }

    /// Reads the file again even if unchanged (SIGHUP).
    public func reload() {
        lastContent.withLock { $0 = nil }
        reloadIfChanged()
    }

    private func reloadIfChanged() {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            logger.error("thresholds file \(path) cannot be read; configuration \(store.version) stays in force")
            return
        }
        let changed = lastContent.withLock { last -> Bool in
            defer { last = text }
            return last != text
        }
        guard changed else { return }
        do {
            let configuration = try ConfigurationLoader.load(yaml: text)
            let previous = store.version
            store.replace(with: configuration)
            counts.withLock { $0.applied += 1 }
            metrics?.configurationReloaded(applied: true)
            logger.info("configuration reloaded from \(path): version \(configuration.version) in force (was \(previous))")
        } catch {
            counts.withLock { $0.refused += 1 }
            metrics?.configurationReloaded(applied: false)
            logger.error("configuration in \(path) refused: \(error); version \(store.version) stays in force")
        }
    }
}
