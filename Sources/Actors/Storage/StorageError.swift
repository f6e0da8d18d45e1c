/// Why the database could not be used; for a migration the message names the file and,
/// for a failing statement, its line and PostgreSQL's own words.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
