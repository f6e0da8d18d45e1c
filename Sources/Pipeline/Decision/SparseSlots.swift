/// A fixed row of slots — one per metric, UTC hour or weekday — of which a
/// user fills only a few: only the filled ones are kept, with their slot
/// number, in one small array. A user reporting three metrics holds three
/// entries instead of 27, which is most of a resident state's memory.
/// Reads scan the filled entries (a handful); a slot set back to empty is
/// removed, so equal contents are equal values.
public struct SparseSlots<Value: SlotValue>: Sendable, Hashable {
    /// Filled slots, in slot order.
    private var filled: [Entry] = []

    private struct Entry: Sendable, Hashable {
        let slot: UInt8
        var value: Value
    }

    public init() {}

    public subscript(slot: Int) -> Value {
        get {
            for entry in filled where Int(entry.slot) == slot { return entry.value }
            return .emptySlot
        }
        set {
            let position = filled.firstIndex { Int($0.slot) >= slot } ?? filled.endIndex
            let present = position < filled.endIndex && Int(filled[position].slot) == slot
            switch (present, newValue == .emptySlot) {
            case (true, true): filled.remove(at: position)
            case (true, false): filled[position].value = newValue
            case (false, false): filled.insert(Entry(slot: UInt8(slot), value: newValue), at: position)
            case (false, true): break
            }
        }
    }

    /// The filled slots with their values, in slot order.
    public var filledSlots: [(slot: Int, value: Value)] {
        filled.map { (Int($0.slot), $0.value) }
    }
}

/// What a slot holds when nothing is in it.
public protocol SlotValue: Hashable, Sendable {
    static var emptySlot: Self { get }
}

extension Optional: SlotValue where Wrapped == ViewEntry {
    public static var emptySlot: Self { nil }
}

extension Baseline: SlotValue {
    public static var emptySlot: Baseline { Baseline() }
}

extension PatternBucket: SlotValue {
    public static var emptySlot: PatternBucket { PatternBucket() }
}
