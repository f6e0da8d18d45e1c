import Foundation

/// The partitions a processor pinned to a partition group reads, as an
/// operator writes them: `0-7,12` — numbers and inclusive ranges, comma
/// separated. Parsed before anything starts, so a typo is refused with the
/// part it could not read rather than leaving partitions unread.
public struct PartitionSelection: Sendable, Equatable, CustomStringConvertible {
    /// Ascending, each once.
    public let partitions: [Int32]

    /// Kafka allows more, but no deployment of ours pins a container to a
    /// partition past this; it keeps a typo from allocating a huge range.
    public static let highestPartition: Int32 = 9_999

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws(Invalid) {
        var chosen = Set<Int32>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let bounds = part.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = bounds.first.flatMap(Self.number), let last = bounds.count == 2 ? Self.number(bounds[1]) : first else {
                throw Invalid(description: "'\(part)' in '\(text)' is not a partition number from 0 to \(Self.highestPartition) or a range like 0-7")
            }
            guard first <= last else { throw Invalid(description: "the range '\(part)' in '\(text)' runs backwards") }
            chosen.formUnion(first...last)
        }
        partitions = chosen.sorted()
    }

    private static func number(_ text: String) -> Int32? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), text.count <= 4, let value = Int32(text), value <= highestPartition else { return nil }
        return value
    }

    /// The shortest spelling: `0-7,12`.
    public var description: String {
        var runs: [ClosedRange<Int32>] = []
        for partition in partitions {
            if let last = runs.last, last.upperBound + 1 == partition {
                runs[runs.count - 1] = last.lowerBound...partition
            } else {
                runs.append(partition...partition)
            }
        }
        return runs.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }
}
