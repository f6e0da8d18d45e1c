import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOSSL

/// The image's health check: no HTTP client needs to be in the image, and it
/// speaks HTTPS when the bridge does.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Ask a bridge on this host whether it is alive (GET /health); exit 0 when it answers 200.",
        discussion: """
            By default http://127.0.0.1:$HTTP_PORT/health, or https:// when TLS_CERTIFICATE_FILE is set. Over \
            HTTPS to loopback the certificate is not verified: the question is whether the process answers, not who \
            it is.
            """)

    @Option(help: "The URL to ask (default: this host's bridge, from HTTP_PORT and TLS_CERTIFICATE_FILE).")
    var url: String?

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Int = 3

    func validate() throws {
        guard (1...60).contains(timeout) else { throw ValidationError("--timeout must be between 1 and 60 seconds") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let scheme = environment["TLS_CERTIFICATE_FILE"].map { $0.isEmpty ? "http" : "https" } ?? "http"
        let target = url ?? "\(scheme)://127.0.0.1:\(environment["HTTP_PORT"] ?? "8080")/health"
        guard let components = URLComponents(string: target), let host = components.host else {
            throw ValidationError("--url \(target) is not a URL")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if ["127.0.0.1", "localhost", "::1"].contains(host) { tls.certificateVerification = .none }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        let status: UInt
        do {
            status = try await client.execute(HTTPClientRequest(url: target), timeout: .seconds(Int64(timeout))).status.code
        } catch {
            try? await client.shutdown()
            FileHandle.standardError.write(Data("\(target): \(error)\n".utf8))
            throw ExitCode(1)
        }
        try await client.shutdown()
        guard status == 200 else {
            FileHandle.standardError.write(Data("\(target) answered \(status)\n".utf8))
            throw ExitCode(1)
        }
        print("\(target): 200")
    }
}
