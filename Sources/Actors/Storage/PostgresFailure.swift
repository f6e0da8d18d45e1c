import PostgresNIO
import _ConnectionPoolModule

/// Whether a PostgreSQL failure can pass by itself. Connection losses,
/// timeouts, a server restarting, deadlocks and serialization failures do:
/// they are retried. A data error (SQLSTATE classes 22 and 23), a statement
/// the server refuses for good (42) or a client that was shut down do not:
/// retrying them would stall the stream for ever.
enum PostgresFailure {
    static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case let transaction as PostgresTransactionError:
            let inner: (any Error)? = transaction.closureError ?? transaction.beginError ?? transaction.commitError
            return inner.map(isTransient) ?? true
        case let pool as ConnectionPoolError:
            return pool != .poolShutdown
        case let failure as PSQLError:
            switch failure.code {
            case .server:
                guard let state = failure.serverInfo?[.sqlState] else { return true }
                return !permanentClasses.contains(String(state.prefix(2)))
            case .poolClosed, .tooManyParameters, .invalidCommandTag, .unsupportedAuthMechanism, .authMechanismRequiresPassword:
                return false
            default:
                return true
            }
        default:
            return true
        }
    }

    /// Whether PostgreSQL refused a statement for the data it was given (a
    /// data exception or an integrity violation): the same rows fail again.
    static func isDataError(_ error: any Error) -> Bool {
        guard let failure = error as? PSQLError, failure.code == .server, let state = failure.serverInfo?[.sqlState] else { return false }
        return dataClasses.contains(String(state.prefix(2)))
    }

    /// Data exceptions and integrity violations.
    private static let dataClasses: Set<String> = ["22", "23"]
    /// Those, syntax errors or access rules.
    private static let permanentClasses = dataClasses.union(["42"])
}
