import NIOSSL

/// The certificate chain and private key the HTTP listener serves HTTPS
/// with (PEM files). Read when the process starts, so a missing, unreadable
/// or mismatched pair is refused before anything listens.
public struct HTTPServerCertificate: Sendable {
    public let certificatePath: String
    public let keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    public struct Unusable: Error, CustomStringConvertible {
        public let description: String
    }

    /// TLS 1.2 or later, HTTP/1.1 over it.
    public func serverConfiguration() throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw Unusable(description: "--tls-certificate \(certificatePath) is not a readable PEM certificate chain: \(error)")
        }
        guard !chain.isEmpty else { throw Unusable(description: "--tls-certificate \(certificatePath) holds no certificate") }
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw Unusable(description: "--tls-key \(keyPath) is not a readable PEM private key: \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw Unusable(description: "--tls-key \(keyPath) does not belong to --tls-certificate \(certificatePath): \(error)")
        }
        return configuration
    }
}
