import Actors
import Logging
import PostgresNIO
import ServiceLifecycle

/// The ingress, its HTTP server and its account-change listener running
/// inside another program — the demo, a benchmark, a test — on loopback
/// until `stop()`. The caller runs the PostgreSQL client it passes in.
public final class EmbeddedIngress: Sendable {
    public let port: Int
    public let metrics: BridgeMetrics
    private let ingress: WebhookIngress
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// With provider `apis`, it also serves the connect flow.
    public static func start(
        settings: IngressSettings, secrets: WebhookSecrets, client: PostgresClient, cipher: StateCipher, apis: [ProviderAPI] = [], logger: Logger
    ) async throws -> EmbeddedIngress {
        let metrics = BridgeMetrics()
        let accounts = AccountStore(client: client, cipher: cipher, logger: logger)
        let ingress = try WebhookIngress(settings: settings, secrets: secrets, accounts: accounts, metrics: metrics, logger: logger)
        let connect = apis.isEmpty ? nil : ConnectFlow(apis: apis, connections: accounts.connections, ingress: ingress, settings: settings, logger: logger)
        let agent = AgentAPI(keys: secrets.agentAPIKeys, store: TransitionStore(client: client, logger: logger), logger: logger)
        let readiness = Readiness(checks: [])
        let server = try HTTPServer(router: BridgeRouter.make(ingress: ingress, connect: connect, agent: agent, readiness: readiness, metrics: metrics),
                                host: "127.0.0.1", port: settings.port, limits: settings.limits, readiness: readiness, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: ingress.accountChanges), .init(service: server)], logger: logger))
        let running = Task { try await group.run() }
        do {
            return EmbeddedIngress(port: try await server.port, metrics: metrics, ingress: ingress, group: group, running: running)
        } catch {
            running.cancel()
            await ingress.close()
            throw error
        }
    }

    private init(port: Int, metrics: BridgeMetrics, ingress: WebhookIngress, group: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.metrics = metrics
        self.ingress = ingress
        self.group = group
        self.running = running
    }

    /// Stops accepting, finishes in-flight requests, flushes the producer.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        await ingress.close()
    }
}
