import Pipeline
import Synchronization

/// The thresholds configuration in force, shared by the stages. Replaced
/// whole when a valid file is loaded; the shards pick it up at their next batch.
public final class ConfigurationStore: Sendable {
    private struct InForce {
        var configuration: BridgeConfiguration
        /// Kept with the values: computing it hashes their whole listing, and
        /// the shards compare it on every batch.
        var version: String
    }

    private let current: Mutex<InForce>

    public init(_ configuration: BridgeConfiguration) {
        current = Mutex(InForce(configuration: configuration, version: configuration.version))
    }

    public var configuration: BridgeConfiguration { current.withLock { $0.configuration } }

    public var version: String { current.withLock { $0.version } }

    public func replace(with configuration: BridgeConfiguration) {
        let inForce = InForce(configuration: configuration, version: configuration.version)
        current.withLock { $0 = inForce }
    }
}
