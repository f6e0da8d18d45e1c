import Pipeline
import Synchronization

/// The thresholds configuration in force, shared by the stages. Replaced
/// whole when a valid file is loaded; the shards pick it up at their next batch.
public final class ConfigurationStore: Sendable {
    private let current: Mutex<BridgeConfiguration>

    public init(_ configuration: BridgeConfiguration) {
        current = Mutex(configuration)
    }

    public var configuration: BridgeConfiguration { current.withLock { $0 } }

    public func replace(with configuration: BridgeConfiguration) {
        current.withLock { $0 = configuration }
    }
}
