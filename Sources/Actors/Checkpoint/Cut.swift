import Pipeline

/// What one checkpoint writes: the partitions' next offsets with the owner
/// epochs they were read under, the changed states and the mode switches.
struct Cut: Sendable {
    private(set) var offsets: [KafkaTopicPartition: Int64]
    private(set) var epochs: [KafkaTopicPartition: Int64]
    private(set) var states: [ShardReport.StoredState]
    private(set) var switches: [ModeSwitch]

    init(barrier: Barrier, states: [ShardReport.StoredState], switches: [ModeSwitch]) {
        offsets = barrier.offsets
        epochs = barrier.epochs
        self.states = states
        self.switches = switches
    }

    /// The partition each of these users' changed states comes from.
    func partitions(of users: Set<String>) -> [String: KafkaTopicPartition] {
        Dictionary(states.filter { users.contains($0.userID) }.map { ($0.userID, $0.partition) }) { first, _ in first }
    }

    /// Leaves out `partitions`: their offsets, their users' states and those
    /// users' switches (a switch's user is always among the changed states),
    /// and the switches of `users`.
    mutating func drop(_ partitions: Set<KafkaTopicPartition>, users refused: Set<String> = []) {
        guard !partitions.isEmpty || !refused.isEmpty else { return }
        for partition in partitions {
            offsets[partition] = nil
            epochs[partition] = nil
        }
        let users = Set(states.filter { partitions.contains($0.partition) }.map(\.userID)).union(refused)
        states.removeAll { users.contains($0.userID) }
        switches.removeAll { users.contains($0.userID) }
    }
}
