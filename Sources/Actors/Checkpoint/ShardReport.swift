import NIOCore
import Pipeline

/// A shard's part of a checkpoint: the states it changed since the previous
/// barrier, encoded and encrypted, and the mode switches it made.
public struct ShardReport: Sendable {
    public struct StoredState: Sendable {
        public let userID: String
        /// The partition the user's records come from: a checkpoint refused
        /// for that partition drops the state.
        public let partition: KafkaTopicPartition
        public let version: Int64
        public let keyID: String
        public let sealed: ByteBuffer
    }

    public let shard: Int
    public let barrier: Barrier
    public let states: [StoredState]
    public let switches: [ModeSwitch]
}
