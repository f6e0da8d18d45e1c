import ArgumentParser

/// `--kafka-property KEY=VALUE`, repeatable: librdkafka properties (TLS,
/// SASL, tuning) for every Kafka client a command makes.
struct KafkaPropertyOptions: ParsableArguments {
    @Option(name: .customLong("kafka-property"), help: "A librdkafka property KEY=VALUE for every Kafka client (TLS, SASL, tuning); repeatable.")
    var values: [String] = []

    func validate() throws {
        for property in values where !property.contains("=") {
            throw ValidationError("--kafka-property takes KEY=VALUE, not '\(property)'")
        }
    }

    /// The last value of a key repeated wins.
    var properties: [String: String] {
        Dictionary(values.map { property in
            let parts = property.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }) { _, last in last }
    }
}
