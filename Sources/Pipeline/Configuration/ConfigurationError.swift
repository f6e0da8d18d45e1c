/// A configuration file that was refused; the message names the key (and the
/// metric, for per-metric settings).
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
