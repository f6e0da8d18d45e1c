/// Which users a shard used least recently, so that under a memory budget
/// the states it drops are the ones least likely to be needed again. A use
/// is a counter tick; choosing victims sorts only when over budget, which
/// happens once per tenth of the budget at most.
struct RecencyOrder: Sendable {
    private var lastUse: [String: UInt64] = [:]
    private var tick: UInt64 = 0

    mutating func use(_ user: String) {
        tick &+= 1
        lastUse[user] = tick
    }

    mutating func remove(_ user: String) {
        lastUse[user] = nil
    }

    /// The `count` least recently used of the users `isEvictable` allows.
    func leastRecent(_ count: Int, where isEvictable: (String) -> Bool) -> [String] {
        guard count > 0 else { return [] }
        return lastUse.filter { isEvictable($0.key) }.sorted { $0.value < $1.value }.prefix(count).map(\.key)
    }
}
