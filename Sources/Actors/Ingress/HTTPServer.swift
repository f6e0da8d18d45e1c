import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle

/// The bridge's HTTP listener as a `Service`: it stops first on shutdown
/// (marking the process not ready), and reports the port it bound, so tests
/// and benchmarks can listen on port 0.
public final class HTTPServer: Service, Sendable {
    private let application: Application<RouterResponder<BasicRequestContext>>
    private let readiness: Readiness
    private let bound = OneShot<Int>()

    /// With `tls`, HTTPS only.
    public init(
        router: Router<BasicRequestContext>, host: String, port: Int, limits: HTTPLimits = HTTPLimits(), tls: TLSConfiguration? = nil,
        readiness: Readiness, logger: Logger
    ) throws {
        let bound = bound
        self.readiness = readiness
        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .nanoseconds(Int64(limits.idleTimeout.wholeMilliseconds) * 1_000_000)))
        application = Application(
            router: router,
            server: try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1,
            configuration: .init(
                address: .hostname(host, port: port), serverName: "auren-biometric-bridge",
                availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger)),
            onServerRunning: { channel in bound.complete(.success(channel.localAddress?.port ?? 0)) },
            logger: logger)
    }

    /// The bound port, once the server listens.
    public var port: Int {
        get async throws { try await bound.value }
    }

    public func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                // No signal handlers of its own: the bridge's service group
                // handles SIGTERM and shuts services down in order. With
                // Hummingbird's default handlers the server could end before
                // that group saw the signal, and the group then cancelled every
                // service — PostgreSQL's client before the final checkpoint.
                try await application.runService(gracefulShutdownSignals: [])
            } onGracefulShutdown: { [readiness] in
                readiness.markStopping()
            }
        } catch {
            bound.complete(.failure(error))
            throw error
        }
    }
}
