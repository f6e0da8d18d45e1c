/// What one client may hold of the HTTP server, so a slow or idle sender
/// (slow-loris) costs a bounded share of it: connections are capped, a
/// connection that sends nothing is closed, and a body must arrive in time.
public struct HTTPLimits: Sendable {
    /// Open connections; further ones wait in the listen backlog.
    public var maxConnections = 4_096
    /// A connection with nothing to read for this long is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// A request body not complete after this is answered 408. Shorter than
    /// `idleTimeout`: a connection waiting for its body reads nothing.
    public var bodyReadTimeout: Duration = .seconds(10)

    public init() {}
}
