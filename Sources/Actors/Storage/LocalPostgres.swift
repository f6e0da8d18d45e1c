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
public final class LocalPostgres: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let settings: PostgresSettings
    public let folder: URL
    private let binaries: URL
    private let runAsPostgres: Bool
    private let logger: Logger

    /// Creates and starts the cluster on a thread of its own (initdb takes a
    /// second or two of blocking work).
    public static func start(logger: Logger) async throws -> LocalPostgres {
        try await ThreadBridge.offload { try startBlocking(logger: logger) }
    }

    private static func startBlocking(logger: Logger) throws -> LocalPostgres {
        let binaries = try findBinaries()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("auren-demo-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let runAsPostgres = getuid() == 0
        if runAsPostgres {
            guard let account = getpwnam("postgres") else {
                throw Failure(description: "running as root, and there is no postgres system user to run initdb as (apt-get install postgresql)")
            }
            chown(folder.path, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        let port = try freePort()
        let cluster = LocalPostgres(
            settings: PostgresSettings(host: "127.0.0.1", port: port, user: "postgres", password: nil, database: "postgres"),
            folder: folder, binaries: binaries, runAsPostgres: runAsPostgres, logger: logger)
        do {
            let data = folder.appendingPathComponent("data").path
            try cluster.run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
            try cluster.run("pg_ctl", ["-D", data, "-l", folder.appendingPathComponent("server.log").path, "-w", "-t", "60", "-o",
                                       "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off", "start"])
        } catch {
            cluster.stopBlocking()
            throw error
        }
        return cluster
    }

    private init(settings: PostgresSettings, folder: URL, binaries: URL, runAsPostgres: Bool, logger: Logger) {
        self.settings = settings
        self.folder = folder
        self.binaries = binaries
        self.runAsPostgres = runAsPostgres
        self.logger = logger
    }

    /// Stops the server (fast shutdown) and removes its folder.
    public func stop() async {
        _ = try? await ThreadBridge.offload { [self] in stopBlocking() }
    }

    private func stopBlocking() {
        let data = folder.appendingPathComponent("data")
        if FileManager.default.fileExists(atPath: data.appendingPathComponent("postmaster.pid").path) {
            do {
                try run("pg_ctl", ["-D", data.path, "-m", "fast", "-w", "stop"])
            } catch {
                logger.warning("stopping the throw-away PostgreSQL: \(error)")
            }
        }
        try? FileManager.default.removeItem(at: folder)
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
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

    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
