import Actors
import Foundation
import Logging
import Pipeline
import Testing

/// The thresholds file as Kubernetes mounts a ConfigMap: the file is a
/// symlink through `..data`, and an update swaps `..data` to a new folder in
/// one rename. The watcher must follow it, and refuse a bad version there too.
struct ConfigurationWatcherTests {
    @Test func followsAConfigMapUpdate() async throws {
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("configmap-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: mount) }
        func publish(_ text: String, as revision: String) throws {
            let folder = mount.appendingPathComponent("..\(revision)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try text.write(to: folder.appendingPathComponent("biometric_thresholds.yaml"), atomically: true, encoding: .utf8)
            let staged = mount.appendingPathComponent("..data_tmp")
            try FileManager.default.createSymbolicLink(atPath: staged.path, withDestinationPath: "..\(revision)")
            guard rename(staged.path, mount.appendingPathComponent("..data").path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        try publish("thresholds:\n  heart_rate_elevated: 100\n", as: "2026_01")
        let path = mount.appendingPathComponent("biometric_thresholds.yaml").path
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "..data/biometric_thresholds.yaml")

        let store = ConfigurationStore(try ConfigurationWatcher.load(path: path))
        let watcher = ConfigurationWatcher(path: path, store: store, logger: Logger(label: "test"))
        let watching = Task { await watcher.run(pollInterval: .milliseconds(20)) }
        defer { watching.cancel() }

        let updated = try ConfigurationLoader.load(yaml: "thresholds:\n  heart_rate_elevated: 110\n").version
        try publish("thresholds:\n  heart_rate_elevated: 110\n", as: "2026_02")
        try await eventually("the swapped file is in force") { store.version == updated }

        try publish("thresholds:\n  heart_rate_elevated: -1\n", as: "2026_03")
        try await eventually("the bad file is refused") { watcher.reloads.refused == 1 }
        #expect(store.version == updated, "the thresholds in force stay")
    }
}
