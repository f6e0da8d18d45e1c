import Actors
import ArgumentParser
import Foundation
import Logging
import Pipeline

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the bridge service.",
        discussion: """
            Connection settings come from flags or the environment: KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL \
            (or PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), HTTP_PORT, HTTP_MAX_BODY_BYTES, BRIDGE_CONFIG \
            (the thresholds file), BRIDGE_STATE_KEYS (id:base64 AES-256 keys for data at rest). Webhook secrets: \
            OURA_CLIENT_SECRET, OURA_VERIFICATION_TOKEN, WHOOP_CLIENT_SECRET, WEBHOOK_SECRET_<PROVIDER> (whsec_…), \
            HEALTHKIT_API_KEYS, each one value or several separated by commas, or the same keys in the YAML file \
            named by BRIDGE_SECRETS_FILE. Provider APIs (the fetcher and the connect flow): OURA_CLIENT_ID, \
            OURA_CLIENT_SECRET, OURA_API_URL, OURA_AUTHORIZE_URL, OURA_TOKEN_URL, OURA_SCOPES, OURA_RATE_LIMITS \
            (e.g. 5000/300s), the same WHOOP_… names, and BRIDGE_PUBLIC_URL (where providers send users back). \
            Every role serves /health, /ready and /metrics; ingress and all also the webhooks and connect flow. Migrations are applied at start-up. SIGTERM stops accepting, drains, writes a final \
            checkpoint and exits 0; SIGHUP reloads the thresholds file.
            """)

    @Option(help: "What to run: the webhook ingress, the stream processor, the provider fetcher, or all of them in one process.")
    var role: BridgeRole = .all

    @OptionGroup var stateKeys: StateKeyOptions

    @Option(help: "HTTP port (default: HTTP_PORT, else 8080; 0 picks a free one and logs it).")
    var httpPort: Int?

    @Option(help: "HTTP listen address.")
    var httpHost: String = "0.0.0.0"

    @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate chain (default: TLS_CERTIFICATE_FILE); needs --tls-key.", valueName: "file"))
    var tlsCertificate: String?

    @Option(help: ArgumentHelp("The PEM private key of --tls-certificate (default: TLS_KEY_FILE).", valueName: "file"))
    var tlsKey: String?

    @Option(help: "Open HTTP connections at most; more wait in the listen backlog.")
    var httpMaxConnections: Int = 4_096

    @Option(help: "Seconds an HTTP connection may stay silent before it is closed.")
    var httpIdleTimeout: Int = 30

    @Option(help: "Seconds a request body may take to arrive before the request is answered 408.")
    var httpBodyTimeout: Int = 10

    @OptionGroup var kafka: KafkaPropertyOptions

    @Option(help: "Seconds the ingress waits for Kafka to acknowledge a request's record before answering 503.")
    var produceTimeout: Double = 5

    @Option(help: "Kafka bootstrap servers (default: KAFKA_BOOTSTRAP_SERVERS).")
    var bootstrapServers: String?

    @Option(help: "Thresholds file (default: BRIDGE_CONFIG, else config/biometric_thresholds.yaml when present, else built-in defaults).")
    var config: String?

    @Option(help: "Consumer group id.")
    var group: String = "biometric-bridge-processor"

    @Option(help: ArgumentHelp(
        "Static group membership id (default: BRIDGE_INSTANCE_ID, else the host name): restarted within --session-timeout, "
            + "the member gets its partitions back without a rebalance.", valueName: "id"))
    var instanceID: String?

    @Option(help: ArgumentHelp(
        "Pin the processor to a partition group, e.g. 0-7,12: it reads exactly these partitions of biometric-events without "
            + "group management (fencing still keeps a second claimant from writing).", valueName: "list"),
            transform: { text in
                do { return try PartitionSelection(parsing: text) } catch { throw ValidationError("\(error)") }
            })
    var partitions: PartitionSelection?

    @Option(help: "Decide shards (default: one per core).")
    var shards: Int = ProcessorSettings.defaultShards

    @Option(help: "Seconds without heartbeat before the group gives this member's partitions to another.")
    var sessionTimeout: Int = 10

    @Option(help: "Seconds between progress lines in the log.")
    var progressInterval: Int = 10

    @Option(help: "Records read past the last checkpoint barrier before reading waits for the previous checkpoint (bounds memory when PostgreSQL is slow).")
    var checkpointWindow: Int = 100_000

    @Option(help: "User states kept in memory at most (about 9 KB each); past it, the least recently used clean ones are dropped and loaded again when needed.")
    var maxResidentUsers: Int = 250_000

    @Option(help: "Seconds a record read may wait for its checkpoint before /ready answers 503 (PostgreSQL unwritable); ready again once checkpoints go through.")
    var readyCheckpointAge: Int = 60

    @Option(help: "Notifications the fetcher fetches at once, across users.")
    var fetchConcurrency: Int = 32

    @Option(help: "Seconds between the fetcher's attempts at a WHOOP recovery that is not scored yet (404), comma-separated; after the last it is dead-lettered not_ready.")
    var recoveryRetrySeconds: String = "120,180,300"

    @Option(help: "Seconds SIGTERM waits for the final checkpoint; past them (PostgreSQL or Kafka unreachable) the processor exits non-zero without it, and the next owner replays from the last checkpoint.")
    var shutdownTimeout: Int = 30

    func validate() throws {
        guard (1...256).contains(shards) else { throw ValidationError("--shards must be between 1 and 256") }
        guard (1...300).contains(sessionTimeout) else { throw ValidationError("--session-timeout must be between 1 and 300 seconds") }
        guard (100...10_000_000).contains(checkpointWindow) else { throw ValidationError("--checkpoint-window must be between 100 and 10,000,000 records") }
        guard (1...1_000_000).contains(httpMaxConnections) else { throw ValidationError("--http-max-connections must be between 1 and 1,000,000") }
        guard (1...3_600).contains(httpIdleTimeout) else { throw ValidationError("--http-idle-timeout must be between 1 and 3,600 seconds") }
        guard (1...600).contains(httpBodyTimeout) else { throw ValidationError("--http-body-timeout must be between 1 and 600 seconds") }
        // A connection waiting for its body reads nothing: it must not count as idle first.
        guard httpBodyTimeout < httpIdleTimeout else { throw ValidationError("--http-body-timeout must be shorter than --http-idle-timeout") }
        guard (1_000...100_000_000).contains(maxResidentUsers) else { throw ValidationError("--max-resident-users must be between 1,000 and 100,000,000") }
        guard (1...86_400).contains(readyCheckpointAge) else { throw ValidationError("--ready-checkpoint-age must be between 1 and 86,400 seconds") }
        guard (1...600).contains(shutdownTimeout) else { throw ValidationError("--shutdown-timeout must be between 1 and 600 seconds") }
        guard (1...86_400).contains(progressInterval) else { throw ValidationError("--progress-interval must be between 1 and 86,400 seconds") }
        guard (1...1_024).contains(fetchConcurrency) else { throw ValidationError("--fetch-concurrency must be between 1 and 1,024") }
        guard recoveryRetryDelays != nil else {
            throw ValidationError("--recovery-retry-seconds takes up to 10 comma-separated whole seconds between 1 and 3,600")
        }
        guard (0.1...120).contains(produceTimeout) else { throw ValidationError("--produce-timeout must be between 0.1 and 120 seconds") }
        if let instanceID, !Self.isValidInstanceID(instanceID) {
            throw ValidationError("--instance-id takes 1 to 200 letters, digits, '.', '_' and '-'")
        }
    }

    static func isValidInstanceID(_ id: String) -> Bool {
        (1...200).contains(id.utf8.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    private var recoveryRetryDelays: [Duration]? {
        let parts = recoveryRetrySeconds.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count <= 10, parts.allSatisfy({ $0.map { (1...3_600).contains($0) } ?? false }) else { return nil }
        return parts.map { .seconds($0!) }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let logger = Logger(label: "auren.\(role.rawValue)")
        let secrets = try role == .processor || role == .fetcher ? nil : WebhookSecrets.load(environment: environment)
        let cipher = try stateKeys.cipher(environment, logger: logger)
        try await BridgeApplication(role: role, settings: settings(environment), cipher: cipher, secrets: secrets, logger: logger).run()
    }

    private func settings(_ environment: [String: String]) throws -> BridgeSettings {
        guard let servers = bootstrapServers ?? environment["KAFKA_BOOTSTRAP_SERVERS"], !servers.isEmpty else {
            throw ValidationError("set --bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS")
        }
        var settings = try BridgeSettings(
            bootstrapServers: servers, shards: shards, database: PostgresSettings.fromEnvironment(environment),
            migrationsDirectory: Migration.defaultDirectory(environment: environment))
        settings.httpHost = httpHost
        settings.httpPort = try httpPort ?? environment["HTTP_PORT"].map { text in
            guard let port = Int(text), (0...65535).contains(port) else { throw ValidationError("HTTP_PORT must be a port number") }
            return port
        } ?? 8080
        settings.thresholdsPath = config ?? environment["BRIDGE_CONFIG"]
            ?? (FileManager.default.fileExists(atPath: "config/biometric_thresholds.yaml") ? "config/biometric_thresholds.yaml" : nil)
        settings.readyCheckpointAge = .seconds(readyCheckpointAge)
        switch (tlsCertificate ?? environment["TLS_CERTIFICATE_FILE"], tlsKey ?? environment["TLS_KEY_FILE"]) {
        case (nil, nil): break
        case let (certificate?, key?):
            // Read now, once: a bad pair is refused before anything connects.
            do {
                settings.httpTLS = try HTTPServerCertificate(certificatePath: certificate, keyPath: key).serverConfiguration()
            } catch {
                throw ValidationError("\(error)")
            }
        default: throw ValidationError("--tls-certificate and --tls-key (TLS_CERTIFICATE_FILE, TLS_KEY_FILE) come together")
        }

        settings.ingress.limits.maxConnections = httpMaxConnections
        settings.ingress.limits.idleTimeout = .seconds(httpIdleTimeout)
        settings.ingress.limits.bodyReadTimeout = .seconds(httpBodyTimeout)
        settings.ingress.kafkaProperties = kafka.properties
        settings.ingress.produceTimeout = .milliseconds(Int(produceTimeout * 1000))
        if let limit = environment["HTTP_MAX_BODY_BYTES"] {
            guard let bytes = Int(limit), bytes > 0 else { throw ValidationError("HTTP_MAX_BODY_BYTES must be a positive number") }
            settings.ingress.maxBodyBytes = bytes
        }

        let memberID = try instanceID ?? environment["BRIDGE_INSTANCE_ID"].map { id in
            guard Self.isValidInstanceID(id) else { throw ValidationError("BRIDGE_INSTANCE_ID takes 1 to 200 letters, digits, '.', '_' and '-'") }
            return id
        } ?? ProcessInfo.processInfo.hostName
        settings.processor.group = group
        settings.processor.instanceID = memberID
        settings.processor.pinnedPartitions = partitions
        settings.fetcher.instanceID = memberID
        settings.processor.sessionTimeout = .seconds(sessionTimeout)
        settings.processor.checkpointWindow = checkpointWindow
        settings.processor.progressInterval = .seconds(progressInterval)
        settings.processor.shutdownTimeout = .seconds(shutdownTimeout)
        settings.processor.maxResidentUsers = maxResidentUsers
        settings.processor.heartbeatInterval = .milliseconds(max(100, sessionTimeout * 1000 / 10))
        settings.processor.kafkaProperties = kafka.properties

        settings.ingress.publicURL = environment["BRIDGE_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }
        settings.fetcher.concurrency = fetchConcurrency
        settings.fetcher.notReadyDelays = recoveryRetryDelays ?? []
        settings.fetcher.sessionTimeout = .seconds(sessionTimeout)
        settings.fetcher.shutdownTimeout = .seconds(shutdownTimeout)
        settings.fetcher.kafkaProperties = kafka.properties
        do {
            settings.providers = try [Provider.oura, .whoop].compactMap { try ProviderAPISettings.fromEnvironment($0, environment) }
        } catch let invalid as ProviderAPISettings.Invalid {
            throw ValidationError(invalid.description)
        }
        return settings
    }
}

extension BridgeRole: ExpressibleByArgument {}
