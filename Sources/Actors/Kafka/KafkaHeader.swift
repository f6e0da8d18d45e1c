/// A Kafka record header. Values are bytes; `stringValue` reads them as UTF-8.
public struct KafkaHeader: Hashable, Sendable {
    public let name: String
    public let value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, value: String) {
        self.init(name: name, value: Array(value.utf8))
    }

    public var stringValue: String { String(decoding: value, as: UTF8.self) }
}
