import Actors
import Testing

/// `--partitions` as operators write it.
struct PartitionSelectionTests {
    @Test func numbersAndRanges() throws {
        #expect(try PartitionSelection(parsing: "0-7,12").partitions == [0, 1, 2, 3, 4, 5, 6, 7, 12])
        #expect(try PartitionSelection(parsing: " 3 , 1-2,2 ").partitions == [1, 2, 3])
        #expect(try PartitionSelection(parsing: "5").partitions == [5])
    }

    @Test func shortestSpelling() throws {
        #expect(try PartitionSelection(parsing: "12,0-3,4,5,6,7").description == "0-7,12")
        #expect(try PartitionSelection(parsing: "1,3").description == "1,3")
    }

    @Test(arguments: ["", ",", "0-", "-3", "7-2", "a", "1.5", "-1", "0-99999", "10000", "+1", "0x1", "1-2-3", "٣"])
    func refused(_ text: String) {
        #expect(throws: PartitionSelection.Invalid.self) { try PartitionSelection(parsing: text) }
    }
}
