import Pipeline
import Testing

/// Sparse slots read and write like the full row they stand for.
struct SparseSlotsTests {
    @Test func slotsReadAsWrittenAndEmptyOnesAreNotKept() {
        var slots = SparseSlots<ViewEntry?>()
        var row = [ViewEntry?](repeating: nil, count: Metric.count)
        var generator = SplitMix64(seed: 3)
        for step in 0..<2_000 {
            let slot = Int(generator.next() % UInt64(Metric.count))
            let value: ViewEntry? = generator.next() % 3 == 0 ? nil : ViewEntry(value: Double(step), time: Timestamp(nanoseconds: Int64(step)))
            slots[slot] = value
            row[slot] = value
            #expect((0..<Metric.count).allSatisfy { slots[$0] == row[$0] })
            #expect(slots.filledSlots.map(\.slot) == row.indices.filter { row[$0] != nil })
        }
    }

    @Test func equalContentsAreEqualWhateverTheOrderOfWrites() {
        var first = SparseSlots<Baseline>()
        var second = SparseSlots<Baseline>()
        var baseline = Baseline()
        baseline.add(50, at: Timestamp(nanoseconds: 1), halfLifeSeconds: 60)
        first[3] = baseline
        first[9] = baseline
        second[9] = baseline
        second[5] = baseline
        second[3] = baseline
        second[5] = Baseline()
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
    }
}
