#if canImport(Glibc)
import Glibc
#endif

/// A loopback port nobody listens on now, for a server this process starts
/// (a throw-away PostgreSQL, a bench's processor member). Another process
/// could take it before the server binds it; on a quiet machine none does.
public enum FreePort {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description = "no free port on 127.0.0.1"
    }

    public static func find() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw Unavailable() }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
