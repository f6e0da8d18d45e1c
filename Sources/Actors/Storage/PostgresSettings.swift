import Foundation
import NIOSSL
import PostgresNIO

/// Where PostgreSQL is and how to log in: `DATABASE_URL`
/// (`postgres://user:password@host:port/database?sslmode=…`) or else the
/// standard libpq variables `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
/// `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT` — what `pg_virtualenv` sets.
/// `verify-full` checks the server's certificate and host name against the
/// CA file in `sslrootcert` (as libpq spells it), else the system's CAs.
public struct PostgresSettings: Sendable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// PEM file of the CAs that sign the server's certificate (`verify-full`).
    public var rootCertificatePath: String?
    public var connectTimeout: Duration = .seconds(5)

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresSettings {
        if let url = environment["DATABASE_URL"], !url.isEmpty { return try PostgresSettings(url: url) }
        let user = environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        guard let tls = TLSMode(rawValue: environment["PGSSLMODE"] ?? "disable") else {
            throw StorageError("PGSSLMODE must be disable, prefer, require or verify-full")
        }
        return try PostgresSettings(
            host: environment["PGHOST"] ?? "localhost",
            port: environment["PGPORT"].flatMap(Int.init) ?? 5432,
            user: user,
            password: environment["PGPASSWORD"],
            database: environment["PGDATABASE"] ?? user,
            tls: tls)
        .withRootCertificate(environment["PGSSLROOTCERT"])
    }

    public init(url: String) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty else {
            throw StorageError("DATABASE_URL must look like postgres://user:password@host:port/database")
        }
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        guard let tls = TLSMode(rawValue: sslmode) else {
            throw StorageError("DATABASE_URL sslmode must be disable, prefer, require or verify-full")
        }
        let database = String(components.path.drop { $0 == "/" })
        self.init(
            host: host, port: components.port ?? 5432, user: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? (components.user ?? "postgres") : database, tls: tls)
        self = try withRootCertificate(components.queryItems?.first { $0.name == "sslrootcert" }?.value)
    }

    /// Checked now, so a missing or unreadable CA file is refused at start
    /// rather than on the first connection.
    private func withRootCertificate(_ path: String?) throws -> PostgresSettings {
        guard let path, !path.isEmpty else { return self }
        guard tls == .verifyFull else { throw StorageError("sslrootcert is used with sslmode=verify-full only (it is \(tls.rawValue))") }
        do {
            guard !(try NIOSSLCertificate.fromPEMFile(path)).isEmpty else { throw StorageError("no certificate in it") }
        } catch {
            throw StorageError("sslrootcert \(path) is not a readable PEM file of CA certificates: \(error)")
        }
        var copy = self
        copy.rootCertificatePath = path
        return copy
    }

    /// A copy that connects to another database of the same server.
    public func with(database: String) -> PostgresSettings {
        var copy = self
        copy.database = database
        return copy
    }

    /// A `DATABASE_URL` for these settings, password included: for handing
    /// to a child process, never for a log line.
    public var url: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        components.queryItems = [URLQueryItem(name: "sslmode", value: tls.rawValue)]
            + (rootCertificatePath.map { [URLQueryItem(name: "sslrootcert", value: $0)] } ?? [])
        return components.string!
    }

    /// Host, port, user and database; never the password.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    public var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if host.hasPrefix("/") {
            configuration = .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: clientTLS)
        }
        configuration.options.connectTimeout = connectTimeout
        return configuration
    }

    private var clientTLS: PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: return .disable
        case .prefer: return .prefer(Self.unverifiedTLS)
        case .require: return .require(Self.unverifiedTLS)
        case .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let rootCertificatePath { configuration.trustRoots = .file(rootCertificatePath) }
            return .require(configuration)
        }
    }

    /// libpq's `prefer` and `require` encrypt without checking the certificate.
    private static var unverifiedTLS: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }
}
