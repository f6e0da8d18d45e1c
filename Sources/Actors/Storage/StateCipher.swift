import COpenSSL
import Foundation
import Logging
import Pipeline

/// AES-256-GCM for PHI at rest: a fresh 96-bit nonce per message,
/// a `SealingContext` as associated data (purpose, user and version: a value
/// cannot be moved to another user or purpose, nor a state rolled back),
/// and a key id stored beside the ciphertext so keys can rotate: new writes
/// use the current key, reads find theirs by id.
public struct StateCipher: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let currentKeyID: String
    private let keys: [String: [UInt8]]

    public init(currentKeyID: String, keys: [String: [UInt8]]) throws {
        guard keys[currentKeyID]?.count == 32 else {
            throw Failure(description: "state key '\(currentKeyID)' must be 32 bytes")
        }
        self.currentKeyID = currentKeyID
        self.keys = keys
    }

    /// The key of the demo, the benchmarks and tests when none is configured.
    /// It is in the source, so it protects nothing: `serve` uses it only when
    /// told `--insecure-development-key`.
    static let developmentKeyID = "development"
    private static let developmentKey = Array(SHA256Digest.bytes(of: Array("auren-biometric-bridge development state key".utf8)))

    /// `BRIDGE_STATE_KEYS` = `id:base64,id:base64,…` (the first one encrypts;
    /// all decrypt). Without it, the development key with a warning when
    /// allowed, else a refusal that says what to set.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, allowingDevelopmentKey: Bool, logger: Logger
    ) throws -> StateCipher {
        guard let list = environment["BRIDGE_STATE_KEYS"], !list.isEmpty else {
            guard allowingDevelopmentKey else {
                throw Failure(description: """
                    BRIDGE_STATE_KEYS is not set, and health data must not be encrypted with a key that is in the source. \
                    Set it to id:base64 of 32 bytes (e.g. k1:$(openssl rand -base64 32)), or pass --insecure-development-key for a local trial
                    """)
            }
            logger.warning("BRIDGE_STATE_KEYS is not set: user states are encrypted with the built-in development key, which is public")
            return try StateCipher(currentKeyID: developmentKeyID, keys: [developmentKeyID: developmentKey])
        }
        var keys: [String: [UInt8]] = [:]
        var first: String?
        for entry in list.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let key = Data(base64Encoded: String(parts[1])), key.count == 32 else {
                throw Failure(description: "BRIDGE_STATE_KEYS entries must be id:base64 of 32 bytes")
            }
            keys[String(parts[0])] = Array(key)
            first = first ?? String(parts[0])
        }
        return try StateCipher(currentKeyID: first!, keys: keys)
    }

    public func seal(_ plaintext: [UInt8], for context: SealingContext) throws -> [UInt8] {
        let nonce = try SecureRandom.bytes(12)
        let (ciphertext, tag) = try crypt(
            encrypt: true, key: keys[currentKeyID]!, nonce: nonce, input: plaintext, aad: context.associatedData, tag: nil)
        return nonce + ciphertext + tag
    }

    /// Opens a value sealed for `context` — or, written before contexts were
    /// bound, for its user alone.
    public func open(_ sealed: [UInt8], keyID: String, for context: SealingContext) throws -> [UInt8] {
        guard let key = keys[keyID] else { throw Failure(description: "unknown state key '\(keyID)'") }
        guard sealed.count >= 28 else { throw Failure(description: "a sealed state is at least 28 bytes") }
        let nonce = Array(sealed.prefix(12))
        let tag = Array(sealed.suffix(16))
        let body = Array(sealed[12..<(sealed.count - 16)])
        do {
            return try crypt(encrypt: false, key: key, nonce: nonce, input: body, aad: context.associatedData, tag: tag).output
        } catch {
            guard let legacyData = context.legacyAssociatedData,
                  let legacy = try? crypt(encrypt: false, key: key, nonce: nonce, input: body, aad: legacyData, tag: tag) else {
                throw error
            }
            return legacy.output
        }
    }

    private func crypt(encrypt: Bool, key: [UInt8], nonce: [UInt8], input: [UInt8], aad: [UInt8], tag: [UInt8]?) throws -> (output: [UInt8], tag: [UInt8]) {
        guard let context = EVP_CIPHER_CTX_new() else { throw Failure(description: "no cipher context") }
        defer { EVP_CIPHER_CTX_free(context) }
        let initialise = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        guard initialise(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, 12, nil) == 1,
              initialise(context, nil, nil, key, nonce) == 1 else { throw Failure(description: "cipher set-up failed") }
        var length: Int32 = 0
        let update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate
        guard update(context, nil, &length, aad, Int32(aad.count)) == 1 else { throw Failure(description: "associated data rejected") }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        guard update(context, &output, &length, input, Int32(input.count)) == 1 else { throw Failure(description: "cipher update failed") }
        var total = Int(length)
        var tagBytes = tag ?? [UInt8](repeating: 0, count: 16)
        if !encrypt {
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, &tagBytes) == 1 else { throw Failure(description: "tag rejected") }
        }
        let final = encrypt ? EVP_EncryptFinal_ex : EVP_DecryptFinal_ex
        guard final(context, output.withUnsafeMutableBufferPointer { $0.baseAddress! + total }, &length) == 1 else {
            throw Failure(description: "authentication failed: the state was altered or the key is wrong")
        }
        total += Int(length)
        if encrypt {
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, &tagBytes) == 1 else { throw Failure(description: "no tag") }
        }
        return (Array(output.prefix(total)), tagBytes)
    }
}
