import Foundation

/// The `biometric-bridge` binary built next to the test bundle (the README's
/// test command builds it first), or `BIOMETRIC_BRIDGE_BINARY`.
enum BridgeExecutable {
    static var url: URL {
        if let explicit = ProcessInfo.processInfo.environment["BIOMETRIC_BRIDGE_BINARY"] {
            return URL(fileURLWithPath: explicit)
        }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("biometric-bridge")
    }
}
