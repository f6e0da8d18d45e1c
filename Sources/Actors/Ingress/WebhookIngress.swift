import HTTPTypes
import Hummingbird
import Logging
import Pipeline

/// The front door: every provider request is authenticated on its
/// raw bytes, checked against replays, resolved to an internal user and
/// written to Kafka as one record — `biometric-events`, or for an Oura or
/// WHOOP notification `provider-notifications`, where the fetcher takes it —
/// and answered 202 only once Kafka acknowledged that record.
public final class WebhookIngress: Sendable {
    /// Who a request is about, as the body names them.
    enum Subject {
        /// Already the internal user id (HealthKit, canonical).
        case user(String)
        /// A provider's user id, resolved through `provider_accounts`.
        case providerUser(String)
    }

    struct Admission {
        let subject: Subject
        let deliveryID: String?
        /// Names a record to fetch rather than carrying one.
        var isNotification = false
    }

    private let settings: IngressSettings
    private let secrets: WebhookSecrets
    private let signature: WebhookSignature
    private let directory: AccountDirectory
    private let ledger: DeliveryLedger
    private let producer: KafkaProducer
    private let metrics: BridgeMetrics
    private let logger: Logger
    /// Run it beside the ingress (after the PostgreSQL client), so account
    /// changes reach the directory at once.
    public let accountChanges: AccountChangeListener

    /// Connects its own producer, whose records time out with the produce
    /// timeout, so a request answered 503 is not delivered behind its back.
    public init(settings: IngressSettings, secrets: WebhookSecrets, accounts: AccountStore, metrics: BridgeMetrics, logger: Logger) throws(KafkaError) {
        var producer = KafkaProducerConfiguration(bootstrapServers: settings.bootstrapServers)
        producer.deliveryTimeout = settings.produceTimeout
        producer.linger = settings.linger
        producer.additionalProperties = settings.kafkaProperties
        self.producer = try KafkaProducer(configuration: producer)
        self.settings = settings
        self.secrets = secrets
        self.signature = WebhookSignature(tolerance: settings.timestampTolerance)
        self.directory = AccountDirectory(store: accounts)
        self.accountChanges = AccountChangeListener(store: accounts, directory: directory, logger: logger)
        self.ledger = DeliveryLedger(window: settings.replayWindow)
        self.metrics = metrics
        self.logger = logger
    }

    /// Waits for outstanding records, then disconnects.
    public func close() async {
        await producer.close()
    }

    // MARK: Routes

    /// `GET /webhooks/oura?verification_token=…&challenge=…`.
    func ouraChallenge(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        guard let token = query["verification_token"], let challenge = query["challenge"],
              secrets.ouraVerificationTokens.contains(where: { ConstantTime.equal($0, Array(token.utf8)) })
        else {
            throw IngressError(.unauthorized, "invalid_verification_token", "the verification token does not match")
        }
        return JSONResponse.make(.ok, ["challenge": String(challenge)])
    }

    func oura(_ request: Request) async throws -> Response {
        try await accept(request, provider: "oura") { request, body, now in
            let signatureText = request.headers[Self.ouraSignature]
            try self.verify { () throws(SignatureFailure) in
                try self.signature.verifyOura(signature: signatureText, timestamp: request.headers[Self.ouraTimestamp], body: body,
                                              secrets: self.secrets.ouraSecrets, now: now)
            }
            let json = try Self.object(body)
            return Admission(subject: .providerUser(try Self.userID(in: json)), deliveryID: Self.digest(of: signatureText),
                             isNotification: ProviderRecordNormalizer.isNotification(json, provider: .oura))
        }
    }

    func whoop(_ request: Request) async throws -> Response {
        try await accept(request, provider: "whoop") { request, body, now in
            let signatureText = request.headers[Self.whoopSignature]
            try self.verify { () throws(SignatureFailure) in
                try self.signature.verifyWhoop(signature: signatureText, timestamp: request.headers[Self.whoopTimestamp], body: body,
                                               secrets: self.secrets.whoopSecrets, now: now)
            }
            let json = try Self.object(body)
            let trace = json["trace_id"]?.identifierText
            return Admission(subject: .providerUser(try Self.userID(in: json)), deliveryID: trace ?? Self.digest(of: signatureText),
                             isNotification: ProviderRecordNormalizer.isNotification(json, provider: .whoop))
        }
    }

    /// `POST /webhooks/{provider}`: Standard Webhooks with `WEBHOOK_SECRET_<PROVIDER>`.
    func standard(_ request: Request, provider: String) async throws -> Response {
        guard let providerSecrets = secrets.standardSecrets[provider] else {
            throw IngressError(.notFound, "unknown_provider", "no webhook secret is configured for provider \(provider)")
        }
        return try await accept(request, provider: provider) { request, body, now in
            let id = request.headers[Self.webhookID]
            try self.verify { () throws(SignatureFailure) in
                try self.signature.verifyStandard(id: id, timestamp: request.headers[Self.webhookTimestamp],
                                                  signature: request.headers[Self.webhookSignature], body: body,
                                                  secrets: providerSecrets, now: now)
            }
            let user = try Self.userID(in: try Self.object(body))
            return Admission(subject: provider == "canonical" ? .user(user) : .providerUser(user), deliveryID: id)
        }
    }

    /// `POST /healthkit/batch`: signed with the user's device key, or a bearer
    /// API key when those are enabled.
    func healthKit(_ request: Request) async throws -> Response {
        try await accept(request, provider: "apple_health") { request, body, now in
            let user = try Self.healthKitUser(in: body)
            let id = request.headers[Self.webhookID]
            if let bearer = Self.bearerToken(request), !self.secrets.healthKitAPIKeys.isEmpty {
                guard self.secrets.healthKitAPIKeys.contains(where: { ConstantTime.equal($0, Array(bearer.utf8)) }) else {
                    throw IngressError(.unauthorized, "invalid_api_key", "the bearer API key is not accepted")
                }
                return Admission(subject: .user(user), deliveryID: id)
            }
            try await self.verifyDevice(of: user, request, body: body, now: now)
            return Admission(subject: .user(user), deliveryID: id)
        }
    }

    /// Checks that one of `user`'s device keys signed the request (Standard
    /// Webhooks headers): HealthKit batches and connect requests.
    func verifyDevice(of user: String, _ request: Request, body: [UInt8], now: Timestamp) async throws {
        // Headers and timestamp first: a flood of made-up user ids costs no query.
        let headers = try verify { () throws(SignatureFailure) in
            try signature.standardHeaders(id: request.headers[Self.webhookID], timestamp: request.headers[Self.webhookTimestamp],
                                          signature: request.headers[Self.webhookSignature], now: now)
        }
        let deviceSecrets: [[UInt8]]
        do {
            deviceSecrets = try await directory.deviceSecrets(of: user)
        } catch {
            throw accountsUnavailable(error)
        }
        try verify { () throws(SignatureFailure) in try headers.verify(body: body, secrets: deviceSecrets) }
    }

    /// Appends a record the bridge made itself (a backfill request), acknowledged.
    func append(_ record: KafkaProducerRecord) async throws {
        try await produce(record)
    }

    // MARK: The common path

    /// Content type and size, then the route's authentication, then replay
    /// protection, user resolution and the acknowledged write.
    private func accept(
        _ request: Request, provider: String,
        authenticate: @Sendable (Request, [UInt8], Timestamp) async throws -> Admission
    ) async throws -> Response {
        let started = ContinuousClock.now
        do {
            try Self.requireJSON(request)
            let body = try await collectBody(request)
            let receivedAt = Timestamp.now
            let admission = try await authenticate(request, body, receivedAt)
            let response = try await deliver(admission, provider: provider, body: body, receivedAt: receivedAt,
                                             contentType: request.headers[.contentType] ?? "application/json")
            metrics.webhookAccepted(source: provider, after: ContinuousClock.now - started)
            return response
        } catch let error as IngressError {
            metrics.webhookFailed(source: provider, errorType: error.code, after: ContinuousClock.now - started)
            logger.debug("\(provider) request refused: \(error.code) — \(error.message)")
            throw error
        }
    }

    private func deliver(_ admission: Admission, provider: String, body: [UInt8], receivedAt: Timestamp, contentType: String) async throws -> Response {
        if let id = admission.deliveryID, !Identifier.isValid(id) {
            throw IngressError.malformed("invalid_delivery_id", "the delivery id must be 1–\(Identifier.maximumBytes) bytes of printable UTF-8")
        }
        guard let id = admission.deliveryID else {
            try await produce(record(for: admission, provider: provider, body: body, receivedAt: receivedAt, contentType: contentType))
            return JSONResponse.make(.accepted, ["status": "accepted"])
        }
        guard await ledger.claim(provider: provider, deliveryID: id) == .fresh else {
            return JSONResponse.make(.ok, ["status": "duplicate"])
        }
        do {
            try await produce(record(for: admission, provider: provider, body: body, receivedAt: receivedAt, contentType: contentType))
        } catch {
            ledger.settle(provider: provider, deliveryID: id, delivered: false)
            throw error
        }
        ledger.settle(provider: provider, deliveryID: id, delivered: true)
        return JSONResponse.make(.accepted, ["status": "accepted"])
    }

    /// The event record keyed by the internal user — or, for a provider user
    /// no account is linked to, a dead letter keyed by the provider's id: it
    /// is acknowledged so the provider stops retrying, and kept for when the
    /// account is linked.
    private func record(for admission: Admission, provider: String, body: [UInt8], receivedAt: Timestamp, contentType: String) async throws -> KafkaProducerRecord {
        var headers = [
            KafkaHeader(name: RecordHeader.provider, value: provider),
            KafkaHeader(name: RecordHeader.receivedAt, value: receivedAt.description),
            KafkaHeader(name: RecordHeader.contentType, value: contentType),
        ]
        if let id = admission.deliveryID { headers.append(KafkaHeader(name: RecordHeader.deliveryID, value: id)) }
        let topic = admission.isNotification ? settings.topics.notifications : settings.topics.events
        switch admission.subject {
        case .user(let user):
            return KafkaProducerRecord(topic: topic, key: user, value: body, headers: headers)
        case .providerUser(let providerUser):
            let user: String?
            do {
                user = try await directory.userID(provider: provider, providerUserID: providerUser)
            } catch {
                throw accountsUnavailable(error)
            }
            if let user { return KafkaProducerRecord(topic: topic, key: user, value: body, headers: headers) }
            headers += [
                KafkaHeader(name: RecordHeader.stage, value: DeadLetterStage.ingress.rawValue),
                KafkaHeader(name: RecordHeader.reason, value: Self.unknownUser.description),
                KafkaHeader(name: RecordHeader.error, value: "no \(provider) account is linked to this provider user id"),
                KafkaHeader(name: RecordHeader.failedAt, value: Timestamp.now.description),
            ]
            return KafkaProducerRecord(topic: settings.topics.deadLetters, key: providerUser, value: body, headers: headers)
        }
    }

    private func produce(_ record: KafkaProducerRecord) async throws {
        do {
            try await producer.send(record, within: settings.produceTimeout)
        } catch {
            logger.warning("Kafka did not acknowledge a record for \(record.topic): \(error)")
            throw IngressError(.serviceUnavailable, "kafka_unavailable", "the event could not be stored; retry later",
                               retryAfterSeconds: 5)
        }
        if record.topic == settings.topics.deadLetters { metrics.deadLettered(stage: .ingress, reason: Self.unknownUser) }
    }

    private static let unknownUser = DeadLetterReason.rejected(.unknownUser)

    private func accountsUnavailable(_ error: any Error) -> IngressError {
        logger.warning("account lookup failed: \(String(reflecting: error))")
        return .accountsUnavailable
    }

    private func verify<T>(_ check: () throws(SignatureFailure) -> T) throws(IngressError) -> T {
        do {
            return try check()
        } catch {
            throw .unauthorized(error)
        }
    }

    /// The body, within the size limit and the read timeout: a sender that
    /// trickles its body holds a connection for `bodyReadTimeout` at most.
    func collectBody(_ request: Request) async throws(IngressError) -> [UInt8] {
        let limit = settings.maxBodyBytes
        let tooLarge = IngressError(.contentTooLarge, "body_too_large", "the body is larger than \(limit) bytes")
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw tooLarge }
        let timeout = settings.limits.bodyReadTimeout
        let body = request.body
        do {
            return try await Deadline.run("reading the request body", within: timeout) {
                Array(try await body.collect(upTo: limit).readableBytesView)
            }
        } catch is Deadline.Exceeded {
            throw IngressError(.requestTimeout, "body_timeout", "the body did not arrive within \(timeout)")
        } catch {
            throw tooLarge
        }
    }

    // MARK: Reading requests

    /// `application/json` or any `+json` type, parameters allowed, any case —
    /// checked on the bytes, as it runs for every request.
    static func requireJSON(_ request: Request) throws(IngressError) {
        guard let value = request.headers[.contentType], isJSON(Array(value.utf8)) else {
            throw IngressError(.unsupportedMediaType, "unsupported_media_type", "the body must be application/json")
        }
    }

    static func isJSON(_ contentType: [UInt8]) -> Bool {
        var end = contentType.firstIndex(of: UInt8(ascii: ";")) ?? contentType.count
        while end > 0, contentType[end - 1] == UInt8(ascii: " ") { end -= 1 }
        let lowered = contentType[..<end].map { $0 | ($0 >= 65 && $0 <= 90 ? 0x20 : 0) }
        return lowered.elementsEqual("application/json".utf8) || (lowered.count > 5 && lowered.suffix(5).elementsEqual("+json".utf8))
    }

    static func object(_ body: [UInt8]) throws(IngressError) -> JSONValue {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .malformed("malformed_json", error.description)
        }
        guard json.isObject else { throw .malformed("malformed_body", "the body must be a JSON object") }
        return json
    }

    static func userID(in json: JSONValue) throws(IngressError) -> String {
        guard let user = json["user_id"]?.identifierText, !user.isEmpty else {
            throw .malformed("missing_user_id", "the body has no user_id")
        }
        guard Identifier.isValid(user) else {
            throw .malformed("invalid_user_id", "the user_id must be 1–\(Identifier.maximumBytes) bytes of printable UTF-8")
        }
        return user
    }

    /// The one user an object or an array of pushes names.
    private static func healthKitUser(in body: [UInt8]) throws(IngressError) -> String {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw .malformed("malformed_json", error.description)
        }
        if json.isObject { return try userID(in: json) }
        guard let pushes = json.arrayValue, !pushes.isEmpty else {
            throw .malformed("malformed_body", "the body must be a push object or a non-empty array of pushes")
        }
        var users = Set<String>()
        for push in pushes {
            guard push.isObject else { throw .malformed("malformed_body", "every push must be an object") }
            users.insert(try userID(in: push))
        }
        guard users.count == 1, let user = users.first else {
            throw .malformed("mixed_users", "an array of pushes must name a single user")
        }
        return user
    }

    /// A replay key derived from a signature (Oura sends no delivery id).
    private static func digest(of signature: String?) -> String? {
        signature.map { String(SHA256Digest.hex(of: Array($0.lowercased().utf8)).prefix(32)) }
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let value = request.headers[.authorization], value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }

    private static let ouraSignature = HTTPField.Name("x-oura-signature")!
    private static let ouraTimestamp = HTTPField.Name("x-oura-timestamp")!
    private static let whoopSignature = HTTPField.Name("x-whoop-signature")!
    private static let whoopTimestamp = HTTPField.Name("x-whoop-signature-timestamp")!
    private static let webhookID = HTTPField.Name("webhook-id")!
    private static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    private static let webhookSignature = HTTPField.Name("webhook-signature")!
}
