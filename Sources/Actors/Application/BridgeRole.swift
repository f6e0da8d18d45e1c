/// What one process of the bridge runs; one role per container, so the
/// ingress and the processor scale apart.
public enum BridgeRole: String, Sendable, CaseIterable {
    /// Everything, in one process: a single host, the demo.
    case all
    /// HTTP: verify, route, append, 202.
    case ingress
    /// The stages from `biometric-events` to the checkpoint.
    case processor
    /// Oura and WHOOP records fetched for their notifications.
    case fetcher

    var runsIngress: Bool { self == .all || self == .ingress }
    var runsProcessor: Bool { self == .all || self == .processor }
    var runsFetcher: Bool { self == .all || self == .fetcher }
}
