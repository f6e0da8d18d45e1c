import Actors
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One keep-alive HTTP/1.1 connection over a blocking TCP socket, for load
/// generators and tests that must measure the server, not a client framework.
/// Blocking: use it only on threads of its own.
public final class HTTPConnection {
    public struct Reply: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Where a complete reply lies in received bytes.
    package struct ReplyBounds {
        package let status: Int
        package let head: Range<Int>
        package let body: Range<Int>
        package var length: Int { body.upperBound }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    package let descriptor: Int32
    private var received: [UInt8] = []

    public init(host: String = "127.0.0.1", port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(descriptor)
            throw Failure(description: "\(host) is not an IPv4 address")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw Failure(description: "connect to \(host):\(port): \(reason)")
        }
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        close(descriptor)
    }

    /// The bytes of a request, built once so a load generator can resend it.
    public static func request(method: String, path: String, headers: [(String, String)], body: [UInt8] = []) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nhost: localhost\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "content-length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    public func send(method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> Reply {
        try send(Self.request(method: method, path: path, headers: headers, body: body))
    }

    /// Writes a prepared request and reads its reply.
    public func send(_ request: [UInt8]) throws -> Reply {
        try write(request)
        while true {
            if let bounds = Self.parseReply(received) {
                let reply = Reply(status: bounds.status, headers: Self.headers(received[bounds.head]), body: Array(received[bounds.body]))
                received.removeFirst(bounds.length)
                return reply
            }
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                throw Failure(description: count == 0 ? "the server closed the connection" : "recv: \(String(cString: strerror(errno)))")
            }
            received.append(contentsOf: chunk[0..<count])
        }
    }

    package func write(_ request: [UInt8]) throws {
        var written = 0
        while written < request.count {
            let count = request[written...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            written += count
        }
    }

    /// The first complete reply in `bytes` (status line, headers, a body of
    /// `content-length` bytes), or nil while more bytes are needed.
    package static func parseReply(_ bytes: [UInt8]) -> ReplyBounds? {
        guard bytes.count >= 16, let headEnd = headEnd(bytes) else { return nil }
        let status = Int(bytes[9] &- 48) * 100 + Int(bytes[10] &- 48) * 10 + Int(bytes[11] &- 48)
        let length = contentLength(bytes[0..<headEnd])
        let bodyStart = headEnd + 4
        guard bytes.count >= bodyStart + length else { return nil }
        return ReplyBounds(status: status, head: 0..<headEnd, body: bodyStart..<bodyStart + length)
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 3 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }

    private static let contentLengthName = Array("\r\ncontent-length:".utf8)

    private static func contentLength(_ head: ArraySlice<UInt8>) -> Int {
        var index = head.startIndex
        let name = contentLengthName
        while index + name.count <= head.endIndex {
            var matches = true
            for offset in 0..<name.count where head[index + offset] | 0x20 != name[offset] | 0x20 {
                matches = false
                break
            }
            if matches {
                var value = 0
                var digit = index + name.count
                while digit < head.endIndex, head[digit] == 32 { digit += 1 }
                while digit < head.endIndex, (48...57).contains(head[digit]) {
                    value = value * 10 + Int(head[digit] - 48)
                    digit += 1
                }
                return value
            }
            index += 1
        }
        return 0
    }

    private static func headers(_ head: ArraySlice<UInt8>) -> [String: String] {
        var headers: [String: String] = [:]
        for line in String(decoding: head, as: UTF8.self).split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }
}
