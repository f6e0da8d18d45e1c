/// The Kafka topics the bridge reads and writes, named once.
public struct Topics: Sendable, Equatable {
    /// Envelopes from the ingress, keyed by user: the processor's input.
    public var events = "biometric-events"
    /// Mode switches, for the agent.
    public var switches = "neuros-mode-switches"
    /// Records no stage could take, with the stage and the reason in headers.
    public var deadLetters = "biometric-events.dlq"
    /// Oura and WHOOP notifications (ids only) and backfill requests, keyed
    /// by user: the fetcher's input.
    public var notifications = "provider-notifications"

    public init() {}

    public var all: [String] { [events, switches, deadLetters, notifications] }
}
