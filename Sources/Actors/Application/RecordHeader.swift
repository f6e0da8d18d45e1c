/// The names of the headers on the bridge's records, defined once: the
/// ingress writes the envelope's, the processor reads them, and dead letters
/// add where and why they failed.
public enum RecordHeader {
    // An envelope on the events topic.
    public static let provider = "provider"
    public static let receivedAt = "received-at"
    public static let deliveryID = "delivery-id"
    public static let dataType = "data-type"
    public static let contentType = "content-type"

    // A mode switch.
    public static let configVersion = "config-version"
    /// The version of `schemas/mode-switch.schema.json` the value follows.
    public static let schemaVersion = "schema-version"

    // A dead letter: the original's headers, then these.
    public static let stage = "stage"
    public static let reason = "reason"
    public static let error = "error"
    public static let failedAt = "failed-at"
    public static let originalTopic = "original-topic"
    public static let originalPartition = "original-partition"
    public static let originalOffset = "original-offset"
    public static let originalValueOmitted = "original-value-omitted"
    public static let rejectedSamples = "rejected-samples"
    public static let rejectedCounts = "rejected-counts"
}
