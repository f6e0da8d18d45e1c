import Logging
import ServiceLifecycle

/// Keeps the ingress's account directory in step with the database: every
/// change made through `AccountStore` (a link, an unlink, a device key added
/// or revoked) is announced on `AccountStore.changesChannel`, and each
/// announcement empties the directory. A revoked device key stops working
/// when the revocation commits, not when its cached answer expires. While the
/// listening connection is down, the directory's TTLs still bound staleness.
public struct AccountChangeListener: Service {
    let store: AccountStore
    let directory: AccountDirectory
    let logger: Logger

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let ended: String
                do {
                    try await store.followChanges { [directory] in directory.forgetAll() }
                    ended = "the connection ended"
                } catch {
                    ended = "\(error)"
                }
                guard !Task.isCancelled else { return }
                logger.warning("listening for account changes: \(ended); listening again in 1 s (cached answers expire within a minute meanwhile)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
