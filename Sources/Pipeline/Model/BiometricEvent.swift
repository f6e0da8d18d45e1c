/// One envelope's worth of valid readings for one user: the unit the decision
/// engine decides on.
public struct BiometricEvent: Sendable, Hashable {
    /// The identity used for de-duplication: the canonical
    /// `event_id`, else the delivery id, else a hash of the body.
    public var eventID: String
    public var deliveryID: String?
    public var userID: String
    public var provider: Provider
    public var deviceType: String?
    /// The latest of the valid readings (for a canonical event, also its own
    /// `timestamp`).
    public var timestamp: Timestamp
    /// In timestamp order, array order on ties.
    public var readings: [Reading]

    public init(
        eventID: String, deliveryID: String? = nil, userID: String, provider: Provider, deviceType: String? = nil,
        timestamp: Timestamp, readings: [Reading]
    ) {
        self.eventID = eventID
        self.deliveryID = deliveryID
        self.userID = userID
        self.provider = provider
        self.deviceType = deviceType
        self.timestamp = timestamp
        self.readings = readings
    }
}
