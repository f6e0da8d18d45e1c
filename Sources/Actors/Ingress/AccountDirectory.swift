import Synchronization

/// The ingress's cached view of `AccountStore`: provider user → internal user,
/// and a user's device secrets. Answers are kept for `ttl` (unknown ones for
/// `negativeTTL`, so a newly linked account is found soon), and concurrent
/// misses for one key share a single query. A hit costs one lock, no hop.
/// `forgetAll()` (on every announced change) drops everything at once; the
/// TTLs bound staleness while no change can be heard.
public final class AccountDirectory: Sendable {
    private let users: Cache<String?>
    private let secrets: Cache<[[UInt8]]>
    private let store: AccountStore

    public init(store: AccountStore, ttl: Duration = .seconds(60), negativeTTL: Duration = .seconds(5), capacity: Int = 100_000) {
        self.store = store
        users = Cache(ttl: ttl, negativeTTL: negativeTTL, capacity: capacity) { $0 == nil }
        secrets = Cache(ttl: ttl, negativeTTL: negativeTTL, capacity: capacity) { $0.isEmpty }
    }

    public func userID(provider: String, providerUserID: String) async throws -> String? {
        try await users.value(for: provider + "\u{1F}" + providerUserID) { [store] in
            try await store.userID(provider: provider, providerUserID: providerUserID)
        }
    }

    public func deviceSecrets(of user: String) async throws -> [[UInt8]] {
        try await secrets.value(for: user) { [store] in try await store.deviceSecrets(of: user) }
    }

    /// Forgets every answer, including lookups still running: those may have
    /// read the data from before the change.
    public func forgetAll() {
        users.forgetAll()
        secrets.forgetAll()
    }

    private final class Cache<Value: Sendable>: Sendable {
        private struct Cached {
            let value: Value
            let expires: ContinuousClock.Instant
        }

        private struct Entries {
            var cached: [String: Cached] = [:]
            var pending: [String: (task: Task<Value, any Error>, generation: Int)] = [:]
            /// Counts `forgetAll` calls: an answer looked up in an older
            /// generation is returned to its callers but not remembered.
            var generation = 0
        }

        private let entries = Mutex(Entries())
        private let ttl: Duration
        private let negativeTTL: Duration
        private let capacity: Int
        private let isNegative: @Sendable (Value) -> Bool

        init(ttl: Duration, negativeTTL: Duration, capacity: Int, isNegative: @escaping @Sendable (Value) -> Bool) {
            self.ttl = ttl
            self.negativeTTL = negativeTTL
            self.capacity = capacity
            self.isNegative = isNegative
        }

        func value(for key: String, lookup: @escaping @Sendable () async throws -> Value) async throws -> Value {
            let now = ContinuousClock.now
            let found = entries.withLock { entries -> Result<Value, Never>? in
                guard let cached = entries.cached[key], cached.expires > now else { return nil }
                return .success(cached.value)
            }
            if case .success(let value) = found { return value }
            let (task, generation) = entries.withLock { entries in
                if let pending = entries.pending[key] { return pending }
                let pending = (task: Task { try await lookup() }, generation: entries.generation)
                entries.pending[key] = pending
                return pending
            }
            do {
                let value = try await task.value
                remember(value, for: key, expires: ContinuousClock.now + (isNegative(value) ? negativeTTL : ttl), lookedUpIn: generation)
                return value
            } catch {
                entries.withLock { entries in
                    if entries.pending[key]?.generation == generation { entries.pending[key] = nil }
                }
                throw error
            }
        }

        func forgetAll() {
            entries.withLock { entries in
                entries.cached.removeAll()
                entries.pending.removeAll()
                entries.generation += 1
            }
        }

        /// Bounded: when full, expired entries go, and if none had, everything
        /// does — a cold cache costs queries, never correctness.
        private func remember(_ value: Value, for key: String, expires: ContinuousClock.Instant, lookedUpIn generation: Int) {
            entries.withLock { entries in
                guard entries.generation == generation else { return }
                entries.pending[key] = nil
                if entries.cached.count >= capacity {
                    let now = ContinuousClock.now
                    entries.cached = entries.cached.filter { $0.value.expires > now }
                    if entries.cached.count >= capacity { entries.cached.removeAll(keepingCapacity: true) }
                }
                entries.cached[key] = Cached(value: value, expires: expires)
            }
        }
    }
}
