import Actors
import Foundation
import Logging
import PostgresNIO
import Testing
import Workbench

/// `sslmode=verify-full` with `sslrootcert`, against a throw-away cluster with `ssl = on`.
@Suite(.serialized)
struct PostgresTLSTests {
    @Test func verifyFullTrustsOnlyTheNamedCA() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let stranger = try TestCertificates.make()
        defer { stranger.remove() }
        let cluster = try await LocalPostgres.start(
            tls: .init(certificate: certificates.certificate, key: certificates.key), logger: TestDatabase.logger)
        do {
            try await check(port: cluster.settings.port, certificates: certificates, stranger: stranger)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func check(port: Int, certificates: TestCertificates, stranger: TestCertificates) async throws {
        let base = "postgres://postgres@localhost:\(port)/postgres?sslmode=verify-full&sslrootcert="

        let verified = try PostgresSettings(url: base + certificates.ca.path)
        #expect(verified.url.contains("sslrootcert="), "a child process gets the same CA")
        let encrypted = try await PostgresSession.with(verified, logger: TestDatabase.logger) { client in
            let rows = try await client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            for try await ssl in rows.decode(Bool.self) { return ssl }
            return false
        }
        #expect(encrypted, "the session is encrypted")

        let untrusted = try PostgresSettings(url: base + stranger.ca.path)
        await #expect(throws: (any Error).self, "a server certificate from another CA is refused") {
            // Quiet: the pool logs each refused handshake while it retries.
            try await PostgresSession.with(untrusted, logger: Logger(label: "quiet", factory: { _ in SwiftLogNoOpLogHandler() }),
                                           reachableWithin: .seconds(5)) { _ in }
        }
    }

    @Test func aMissingCAFileIsRefusedAtStart() {
        #expect(throws: StorageError.self) { try PostgresSettings(url: "postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.crt") }
        #expect(throws: StorageError.self) { try PostgresSettings(url: "postgres://u@h/db?sslmode=require&sslrootcert=/etc/hostname") }
    }
}
