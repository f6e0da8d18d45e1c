import Actors
import Testing

struct PostgresSettingsTests {
    @Test func databaseURLWins() throws {
        let settings = try PostgresSettings.fromEnvironment([
            "DATABASE_URL": "postgres://bridge:s3cret@db.internal:6543/auren?sslmode=require",
            "PGHOST": "ignored",
        ])
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6543)
        #expect(settings.user == "bridge")
        #expect(settings.password == "s3cret")
        #expect(settings.database == "auren")
        #expect(settings.tls == .require)
        #expect(!settings.description.contains("s3cret"), "the password never reaches a log line")
    }

    @Test func libpqVariables() throws {
        let settings = try PostgresSettings.fromEnvironment(["PGHOST": "localhost", "PGPORT": "5433", "PGUSER": "postgres", "PGPASSWORD": "pw"])
        #expect(settings.host == "localhost")
        #expect(settings.port == 5433)
        #expect(settings.database == "postgres")
        #expect(settings.tls == .disable)
    }

    @Test func badURLsAreRefused() {
        #expect(throws: StorageError.self) { try PostgresSettings(url: "mysql://x@y/z") }
        #expect(throws: StorageError.self) { try PostgresSettings(url: "postgres://u@h/db?sslmode=sometimes") }
    }
}
