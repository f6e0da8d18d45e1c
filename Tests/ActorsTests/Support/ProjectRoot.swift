import Actors
import Foundation

/// The checkout the tests run from, and the files in it they use.
enum ProjectRoot {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    /// The project's own `config/sql` migrations.
    static var migrations: [Migration] {
        get throws { try Migration.load(from: path("config/sql")) }
    }
}
