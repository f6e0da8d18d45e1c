/// The ingress's cached view of `AccountStore`: provider user → internal user,
/// and a user's device secrets. Answers are kept for `ttl` (unknown ones for
/// `negativeTTL`, so a newly linked account is found soon), and concurrent
/// misses for one key share a single query.
public actor AccountDirectory {
    private struct Cached<Value> {
        let value: Value
        let expires: ContinuousClock.Instant
    }

    private let store: AccountStore
    private let ttl: Duration
    private let negativeTTL: Duration
    private let capacity: Int
    private var users: [String: Cached<String?>] = [:]
    private var secrets: [String: Cached<[[UInt8]]>] = [:]
    private var pendingUsers: [String: Task<String?, any Error>] = [:]
    private var pendingSecrets: [String: Task<[[UInt8]], any Error>] = [:]

    public init(store: AccountStore, ttl: Duration = .seconds(60), negativeTTL: Duration = .seconds(5), capacity: Int = 100_000) {
        self.store = store
        self.ttl = ttl
        self.negativeTTL = negativeTTL
        self.capacity = capacity
    }

    public func userID(provider: String, providerUserID: String) async throws -> String? {
        let key = provider + "\u{1F}" + providerUserID
        let now = ContinuousClock.now
        if let cached = users[key], cached.expires > now { return cached.value }
        let lookup = pendingUsers[key] ?? Task { [store] in try await store.userID(provider: provider, providerUserID: providerUserID) }
        pendingUsers[key] = lookup
        defer { pendingUsers[key] = nil }
        let user = try await lookup.value
        remember(user, for: key, in: &users, expires: now + (user == nil ? negativeTTL : ttl))
        return user
    }

    public func deviceSecrets(of user: String) async throws -> [[UInt8]] {
        let now = ContinuousClock.now
        if let cached = secrets[user], cached.expires > now { return cached.value }
        let lookup = pendingSecrets[user] ?? Task { [store] in try await store.deviceSecrets(of: user) }
        pendingSecrets[user] = lookup
        defer { pendingSecrets[user] = nil }
        let found = try await lookup.value
        remember(found, for: user, in: &secrets, expires: now + (found.isEmpty ? negativeTTL : ttl))
        return found
    }

    /// Bounded: when full, expired entries go, and if none had, everything
    /// does — a cold cache costs queries, never correctness.
    private func remember<Value>(_ value: Value, for key: String, in cache: inout [String: Cached<Value>], expires: ContinuousClock.Instant) {
        if cache.count >= capacity {
            let now = ContinuousClock.now
            cache = cache.filter { $0.value.expires > now }
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
        }
        cache[key] = Cached(value: value, expires: expires)
    }
}
