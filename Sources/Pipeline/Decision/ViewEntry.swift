/// The newest reading of one metric in a user's view.
public struct ViewEntry: Sendable, Hashable {
    public var value: Double
    public var time: Timestamp

    public init(value: Double, time: Timestamp) {
        self.value = value
        self.time = time
    }
}
