/// The rule for user ids, event ids and delivery ids, wherever they come
/// from: at most 256 bytes of printable UTF-8. An id is a Kafka key, a
/// PostgreSQL `text` (which cannot hold a NUL byte) and a log field, so a
/// control character or kilobytes of id would fail far from where they came in.
public enum Identifier {
    public static let maximumBytes = 256

    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maximumBytes && text.unicodeScalars.allSatisfy(isPrintable)
    }

    /// The bytes of a Kafka key or header: valid UTF-8 first.
    public static func validated(_ bytes: [UInt8]) -> String? {
        guard bytes.count <= maximumBytes, let text = String(validating: bytes, as: UTF8.self), isValid(text) else { return nil }
        return text
    }

    /// Not a C0 or C1 control character, nor DEL.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
    }
}
