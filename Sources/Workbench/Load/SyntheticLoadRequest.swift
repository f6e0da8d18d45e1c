/// One line from `bench pipeline --external-load` to the `kafka-mock`
/// process that hosts its broker and producers: what to send. The process
/// answers each with `done`, or `failed: REASON`, once it is all in.
public enum SyntheticLoadRequest: Equatable, Sendable, CustomStringConvertible {
    /// `append TOPIC FIRST END`: the envelopes FIRST..<END as a backlog.
    case append(topic: String, indices: Range<Int>)
    /// `prepare TOPIC FIRST END`: builds the records of the `pace` of the
    /// same envelopes that comes next, and sends nothing.
    case prepare(topic: String, indices: Range<Int>)
    /// `pace TOPIC FIRST END RATE`: the same at RATE per second.
    case pace(topic: String, indices: Range<Int>, rate: Double)

    public static let done = "done"
    public static let failedPrefix = "failed: "

    public init?(_ line: some StringProtocol) {
        let words = line.split(separator: " ")
        guard words.count >= 4, let first = Int(words[2]), let end = Int(words[3]), 0 <= first, first <= end else { return nil }
        let topic = String(words[1])
        switch (words[0], words.count) {
        case ("append", 4):
            self = .append(topic: topic, indices: first..<end)
        case ("prepare", 4):
            self = .prepare(topic: topic, indices: first..<end)
        case ("pace", 5):
            guard let rate = Double(words[4]), rate.isFinite, rate > 0 else { return nil }
            self = .pace(topic: topic, indices: first..<end, rate: rate)
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .append(let topic, let indices): "append \(topic) \(indices.lowerBound) \(indices.upperBound)"
        case .prepare(let topic, let indices): "prepare \(topic) \(indices.lowerBound) \(indices.upperBound)"
        case .pace(let topic, let indices, let rate): "pace \(topic) \(indices.lowerBound) \(indices.upperBound) \(rate)"
        }
    }

    public func send(with load: SyntheticLoad) async throws {
        switch self {
        case .append(let topic, let indices): try await load.append(indices, topic: topic)
        case .prepare(let topic, let indices): load.prepare(indices, topic: topic)
        case .pace(let topic, let indices, let rate): try await load.pace(indices, topic: topic, rate: rate)
        }
    }
}
