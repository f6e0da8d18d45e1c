import CRdKafka

/// Builds an `rd_kafka_conf_t` from properties, refusing an unknown key or a
/// bad value with librdkafka's own message and the key's name.
enum KafkaNativeConfiguration {
    /// The caller owns the returned handle until `rd_kafka_new` succeeds.
    static func make(_ properties: [String: String]) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(configurationError: errorText, "Kafka setting '\(key)'")
            }
        }
        return conf
    }

    /// Creates the client; on failure the configuration is destroyed too.
    static func makeClient(type: rd_kafka_type_t, conf: OpaquePointer) throws(KafkaError) -> OpaquePointer {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(configurationError: errorText, "creating the Kafka client")
        }
        return handle
    }
}
