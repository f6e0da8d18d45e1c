import Actors
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away PostgreSQL cluster from Debian's binaries, for the demo when
/// no database is configured: created in a temporary folder, listening on a
/// free loopback port, trusted locally, removed by `stop()`. `initdb` refuses
/// to run as root, so as root every server command runs as the `postgres`
/// system user (Debian's `postgresql` package creates it).
///
/// The owner holds a lock on `owner.lock` in the folder while it lives; the
/// kernel drops it when the process dies, however it dies. A demo killed
/// before `stop()` leaves its server running, and the next start stops that
/// server and removes its folder.
public final class LocalPostgres: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let settings: PostgresSettings
    public let folder: URL
    private let binaries: URL
    private let runAsPostgres: Bool
    private let logger: Logger
    /// The descriptor whose lock marks the folder as in use.
    private let ownerLock: Int32
    /// The server's certificate and key, when it serves TLS.
    private let tls: ServerCertificate?

    /// PEM files; copied into the cluster's folder, readable by the server only.
    public struct ServerCertificate: Sendable {
        public let certificate: URL
        public let key: URL

        public init(certificate: URL, key: URL) {
            self.certificate = certificate
            self.key = key
        }
    }

    private static let folderPrefix = "auren-demo-pg-"
    private static let lockName = "owner.lock"

    /// Creates and starts the cluster on a thread of its own (initdb takes a
    /// second or two of blocking work).
    /// With `tls`, the server has `ssl = on` with that certificate (clients
    /// may still connect without TLS).
    public static func start(tls: ServerCertificate? = nil, logger: Logger) async throws -> LocalPostgres {
        try await ThreadBridge.offload { try startBlocking(tls: tls, logger: logger) }
    }

    private static func startBlocking(tls: ServerCertificate?, logger: Logger) throws -> LocalPostgres {
        let binaries = try findBinaries()
        let runAsPostgres = getuid() == 0
        let postgresAccount = getpwnam("postgres")
        if runAsPostgres, postgresAccount == nil {
            throw Failure(description: "running as root, and there is no postgres system user to run initdb as (apt-get install postgresql)")
        }
        removeAbandoned(binaries: binaries, runAsPostgres: runAsPostgres, logger: logger)
        let port = try FreePort.find()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(folderPrefix)\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Close-on-exec, so the server we start does not inherit the lock and
        // keep it after we are gone.
        let ownerLock = open(folder.appendingPathComponent(lockName).path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard ownerLock >= 0, flock(ownerLock, LOCK_EX) == 0 else {
            let reason = String(cString: strerror(errno))
            if ownerLock >= 0 { close(ownerLock) }
            try? FileManager.default.removeItem(at: folder)
            throw Failure(description: "cannot lock \(folder.path)/\(lockName): \(reason)")
        }
        if runAsPostgres, let account = postgresAccount {
            chown(folder.path, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        let cluster = LocalPostgres(
            settings: PostgresSettings(host: "127.0.0.1", port: port, user: "postgres", password: nil, database: "postgres"),
            folder: folder, binaries: binaries, runAsPostgres: runAsPostgres, logger: logger, ownerLock: ownerLock,
            tls: tls.map { _ in ServerCertificate(certificate: folder.appendingPathComponent("server.crt"), key: folder.appendingPathComponent("server.key")) })
        do {
            if let tls, let copied = cluster.tls {
                // PostgreSQL reads a key only when its own user owns it and no one else may read it.
                for (from, to) in [(tls.certificate, copied.certificate), (tls.key, copied.key)] {
                    try FileManager.default.copyItem(at: from, to: to)
                    chmod(to.path, 0o600)
                    if runAsPostgres, let account = postgresAccount { chown(to.path, account.pointee.pw_uid, account.pointee.pw_gid) }
                }
            }
            try cluster.run("initdb", ["-D", cluster.dataPath, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
            try cluster.startServer()
        } catch {
            cluster.stopBlocking()
            throw error
        }
        return cluster
    }

    private init(
        settings: PostgresSettings, folder: URL, binaries: URL, runAsPostgres: Bool, logger: Logger, ownerLock: Int32, tls: ServerCertificate?
    ) {
        self.settings = settings
        self.folder = folder
        self.binaries = binaries
        self.runAsPostgres = runAsPostgres
        self.logger = logger
        self.ownerLock = ownerLock
        self.tls = tls
    }

    /// Stops the servers and removes the folders of throw-away clusters whose
    /// owner is gone. A folder without a lock file (made by an older version,
    /// or being made this moment) counts as abandoned after an hour.
    private static func removeAbandoned(binaries: URL, runAsPostgres: Bool, logger: Logger) {
        let temporary = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(folderPrefix) {
            let folder = temporary.appendingPathComponent(name)
            let lock = open(folder.appendingPathComponent(lockName).path, O_RDWR | O_CLOEXEC)
            defer { if lock >= 0 { close(lock) } }
            if lock >= 0 {
                guard flock(lock, LOCK_EX | LOCK_NB) == 0 else { continue }
            } else {
                // Another user's folder is not ours to clean.
                guard errno == ENOENT else { continue }
                let attributes = try? FileManager.default.attributesOfItem(atPath: folder.path)
                let changed = attributes?[.modificationDate] as? Date ?? .now
                guard Date.now.timeIntervalSince(changed) > 3_600 else { continue }
            }
            let data = folder.appendingPathComponent("data")
            if FileManager.default.fileExists(atPath: data.appendingPathComponent("postmaster.pid").path) {
                do {
                    try run("pg_ctl", ["-D", data.path, "-m", "immediate", "-w", "stop"], binaries: binaries, runAsPostgres: runAsPostgres, in: folder)
                } catch {
                    logger.warning("stopping the abandoned throw-away PostgreSQL in \(folder.path): \(error)")
                }
            }
            do {
                try FileManager.default.removeItem(at: folder)
                logger.info("removed the throw-away PostgreSQL of a demo that did not stop: \(folder.path)")
            } catch {
                logger.warning("removing the abandoned throw-away PostgreSQL in \(folder.path): \(error)")
            }
        }
    }

    private var dataPath: String { folder.appendingPathComponent("data").path }

    private func startServer() throws {
        let ssl = tls.map { " -c ssl=on -c ssl_cert_file=\($0.certificate.path) -c ssl_key_file=\($0.key.path)" } ?? ""
        try run("pg_ctl", ["-D", dataPath, "-l", folder.appendingPathComponent("server.log").path, "-w", "-t", "60", "-o",
                           "-p \(settings.port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off\(ssl)", "start"])
    }

    /// Stops the server (fast shutdown: every connection is cut), waits
    /// `pause`, and starts it again on the same port and data — a database
    /// restart as its clients see it.
    public func restart(downFor pause: Duration) async throws {
        try await ThreadBridge.offload { [self] in try run("pg_ctl", ["-D", dataPath, "-m", "fast", "-w", "stop"]) }
        try await Task.sleep(for: pause)
        try await ThreadBridge.offload { [self] in try startServer() }
    }

    /// Stops the server (fast shutdown) and removes its folder.
    public func stop() async {
        _ = try? await ThreadBridge.offload { [self] in stopBlocking() }
    }

    private func stopBlocking() {
        if FileManager.default.fileExists(atPath: dataPath + "/postmaster.pid") {
            do {
                try run("pg_ctl", ["-D", dataPath, "-m", "fast", "-w", "stop"])
            } catch {
                logger.warning("stopping the throw-away PostgreSQL: \(error)")
            }
        }
        try? FileManager.default.removeItem(at: folder)
        close(ownerLock)
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        try Self.run(tool, arguments, binaries: binaries, runAsPostgres: runAsPostgres, in: folder)
    }

    /// Runs a server tool, its output in a file of `folder`.
    private static func run(_ tool: String, _ arguments: [String], binaries: URL, runAsPostgres: Bool, in folder: URL) throws {
        let executable = binaries.appendingPathComponent(tool).path
        let outputPath = folder.appendingPathComponent("\(tool).out").path
        let status = runAsPostgres
            ? try ChildProcess.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments, outputPath: outputPath)
            : try ChildProcess.run(executable, arguments, outputPath: outputPath)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw Failure(description: "\(tool) failed (exit \(status)): \(text.suffix(600))")
        }
    }

    /// The newest `/usr/lib/postgresql/<version>/bin` with `initdb` and `pg_ctl`.
    private static func findBinaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = root.appendingPathComponent(version).appendingPathComponent("bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        throw Failure(description: "no PostgreSQL server binaries in /usr/lib/postgresql (apt-get install postgresql), and DATABASE_URL is not set")
    }
}
