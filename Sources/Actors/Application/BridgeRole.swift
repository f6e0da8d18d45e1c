/// What one process of the bridge runs; one role per container, so the
/// ingress and the processor scale apart.
public enum BridgeRole: String, Sendable, CaseIterable {
    /// Both, in one process: a single host, the demo.
    case all
    /// HTTP: verify, route, append, 202.
    case ingress
    /// The stages from `biometric-events` to the checkpoint.
    case processor

    var runsIngress: Bool { self != .processor }
    var runsProcessor: Bool { self != .ingress }
}
