import Foundation
import NIOSSL

/// Everything a role needs to start, gathered by the command line from its
/// flags and the environment. Thresholds are not here: they live in their own
/// file and reload without a restart.
public struct BridgeSettings: Sendable {
    public var database: PostgresSettings
    public var migrationsDirectory: URL
    /// The thresholds file; nil runs on the built-in defaults.
    public var thresholdsPath: String?
    public var processor: ProcessorSettings
    public var ingress: IngressSettings
    public var fetcher: FetcherSettings
    /// The OAuth2 clients of the providers the bridge fetches from (those
    /// with a client id configured).
    public var providers: [ProviderAPISettings] = []
    public var httpHost = "0.0.0.0"
    /// 0 picks a free port, which is logged.
    public var httpPort = 8080
    /// HTTPS on the port when set (`HTTPServerCertificate` reads one);
    /// plain HTTP only behind a terminating load balancer.
    public var httpTLS: TLSConfiguration?
    /// `/ready` answers 503 when a record read has waited this long for its checkpoint.
    public var readyCheckpointAge: Duration = .seconds(60)

    /// One set of names for every role.
    public var topics: Topics {
        get { processor.topics }
        set {
            processor.topics = newValue
            ingress.topics = newValue
            fetcher.topics = newValue
        }
    }

    public init(bootstrapServers: String, shards: Int, database: PostgresSettings, migrationsDirectory: URL) {
        self.database = database
        self.migrationsDirectory = migrationsDirectory
        processor = ProcessorSettings(bootstrapServers: bootstrapServers, shards: shards)
        ingress = IngressSettings(bootstrapServers: bootstrapServers)
        fetcher = FetcherSettings(bootstrapServers: bootstrapServers)
    }
}
