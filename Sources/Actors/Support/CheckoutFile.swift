import Foundation

/// Finds a file or folder the repository ships beside the binary (`config/sql`,
/// `schemas/…`): under the working directory, or above the executable — which
/// finds the checkout's copy from `.build/<config>/biometric-bridge`, and the
/// image's from `/app`.
public enum CheckoutFile {
    public struct NotFound: Error, CustomStringConvertible {
        public let description: String
    }

    public static func locate(_ relativePath: String, directory: Bool) throws(NotFound) -> URL {
        let found = candidates().map { $0.appendingPathComponent(relativePath) }.first {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && isDirectory.boolValue == directory
        }
        guard let found else {
            throw NotFound(description: "no \(relativePath) found near \(candidates().map(\.path).joined(separator: ", "))")
        }
        return found
    }

    private static func candidates() -> [URL] {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder)
            folder.deleteLastPathComponent()
        }
        return candidates
    }
}
