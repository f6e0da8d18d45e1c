import Actors
import AsyncHTTPClient
import Foundation
import NIOSSL
import Testing
import Workbench

/// `serve --tls-certificate --tls-key`: HTTPS on the port, and nothing else.
@Suite(.serialized)
struct IngressTLSTests {
    @Test func servesHTTPSWithTheGivenCertificate() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        try await ProcessorFixture.run(eventPartitions: 2) { fixture in
            let ingress = try fixture.start(role: "ingress", environment: ["HEALTHKIT_API_KEYS": "test-key"], arguments: [
                "--tls-certificate", certificates.certificate.path, "--tls-key", certificates.key.path,
            ])
            try await eventually("the ingress listens") { ingress.httpPort != nil }
            let port = try #require(ingress.httpPort)

            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(certificates.ca.path)
            let client = HTTPClient(configuration: .init(tlsConfiguration: tls))
            do {
                let response = try await client.execute(HTTPClientRequest(url: "https://localhost:\(port)/health"), timeout: .seconds(10))
                #expect(response.status == .ok)
                let plain = try? HTTPConnection(port: port).send(method: "GET", path: "/health")
                #expect(plain == nil || plain?.status != 200, "plain HTTP is not answered on the TLS port")
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()

            // The image's health check finds the port and the scheme in the environment.
            let health = try await BridgeCommand.run(["health"], environment: [
                "PATH": "/usr/bin:/bin", "HTTP_PORT": String(port), "TLS_CERTIFICATE_FILE": certificates.certificate.path,
            ])
            #expect(health.status == 0, "\(health.errors)")
            let plainHealth = try await BridgeCommand.run(["health"], environment: ["PATH": "/usr/bin:/bin", "HTTP_PORT": String(port)])
            #expect(plainHealth.status == 1, "plain HTTP to the TLS port is not healthy")
            #expect(await ingress.terminate().status == 0, "\(ingress.log.suffix(2_000))")
        }
    }

    @Test func aKeyOfAnotherCertificateIsRefused() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let other = try TestCertificates.make()
        defer { other.remove() }
        let run = try await BridgeCommand.run(
            ["serve", "--role", "ingress", "--insecure-development-key", "--tls-certificate", certificates.certificate.path, "--tls-key", other.key.path],
            environment: ["PATH": "/usr/bin:/bin", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
                          "HEALTHKIT_API_KEYS": "test-key"])
        #expect(run.status != 0)
        #expect(run.errors.contains("does not belong to --tls-certificate"), "\(run.errors)")
    }
}
