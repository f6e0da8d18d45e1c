import Foundation

/// A private CA and a server certificate it signed, made with the openssl
/// command line in a temporary folder, for tests of TLS over loopback.
struct TestCertificates {
    let folder: URL
    var ca: URL { folder.appendingPathComponent("ca.crt") }
    var certificate: URL { folder.appendingPathComponent("server.crt") }
    var key: URL { folder.appendingPathComponent("server.key") }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A certificate for `localhost` and 127.0.0.1.
    static func make() throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("auren-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let made = TestCertificates(folder: folder)
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".write(
            to: folder.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=auren test CA", "-keyout", "ca.key", "-out", "ca.crt"], in: folder)
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"], in: folder)
        try openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                     "-extfile", "server.ext", "-out", "server.crt"], in: folder)
        return made
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    private static func openssl(_ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.prefix(2).joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
    }
}
