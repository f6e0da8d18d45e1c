import Actors
import Foundation
import Pipeline

/// `schemas/mode-switch.schema.json`, the published contract of
/// `neuros-mode-switches`, checked against what a run actually published.
public struct ModeSwitchContract: Sendable {
    public static let path = "schemas/mode-switch.schema.json"

    public let schema: JSONSchema

    /// The checkout's (or the image's) copy of the schema.
    public static func load() throws -> ModeSwitchContract {
        ModeSwitchContract(schema: try JSONSchema(contentsOf: try CheckoutFile.locate(path, directory: false)))
    }

    /// What is wrong with one published record: its value against the schema,
    /// and its `schema-version` header.
    public func violations(of record: KafkaConsumerRecord) -> [String] {
        var found: [String] = []
        let version = record.headers.first { $0.name == RecordHeader.schemaVersion }?.stringValue
        if version != String(ModeSwitch.schemaVersion) {
            found.append("header \(RecordHeader.schemaVersion) is \(version ?? "missing"), not \(ModeSwitch.schemaVersion)")
        }
        do {
            found += schema.violations(of: try JSONParser.parse(record.value)).map(\.description)
        } catch {
            found.append("not JSON: \(error)")
        }
        return found
    }

    /// The demo's and load's check over every record of the topic; fails
    /// when the schema cannot be found or read.
    static func check(_ records: [KafkaConsumerRecord]) -> DemoResult.Check {
        let name = "every published switch follows \(path)"
        let contract: ModeSwitchContract
        do {
            contract = try load()
        } catch {
            return .init(name: name, passed: false, detail: "\(error)")
        }
        let broken = records.compactMap { record -> String? in
            let violations = contract.violations(of: record)
            return violations.isEmpty ? nil : "offset \(record.offset) of partition \(record.topicPartition.partition): " + violations.joined(separator: "; ")
        }
        return .init(name: name, passed: broken.isEmpty,
                     detail: broken.isEmpty ? "\(records.count) records valid" : "\(broken.count) of \(records.count) invalid; " + broken.prefix(2).joined(separator: " | "))
    }
}
