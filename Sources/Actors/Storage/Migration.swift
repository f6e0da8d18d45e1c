import Foundation
import Pipeline

/// One numbered SQL file of `config/sql/`, e.g. `001_initial.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    public var checksum: String { SHA256Digest.hex(of: Array(sql.utf8)) }

    /// Reads every `NNN_name.sql` of `directory`, in version order. Another
    /// file name, or two files with one version, is an error.
    public static func load(from directory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        var migrations: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            let stem = name.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw StorageError("migration file \(name) must be named NNN_description.sql")
            }
            if let clash = migrations.first(where: { $0.version == version }) {
                throw StorageError("migrations \(clash.name) and \(name) share version \(version)")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        return migrations.sorted { $0.version < $1.version }
    }

    /// Where the migrations are: `BRIDGE_MIGRATIONS_DIR`, else `config/sql`
    /// under the working directory or above the executable (which finds the
    /// checkout's folder from `.build/<config>/biometric-bridge`).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let explicit = environment["BRIDGE_MIGRATIONS_DIR"] { return URL(fileURLWithPath: explicit) }
        do {
            return try CheckoutFile.locate("config/sql", directory: true)
        } catch {
            throw StorageError("\(error); set BRIDGE_MIGRATIONS_DIR")
        }
    }
}
