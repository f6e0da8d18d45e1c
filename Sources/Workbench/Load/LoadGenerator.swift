import Actors
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Sends prepared HTTP/1.1 requests over `connections` keep-alive
/// connections, one request in flight on each — the way providers' delivery
/// workers call a webhook. One thread drives every connection through poll(2),
/// so on a small machine the generator takes as little CPU as possible from
/// the server it measures.
public enum LoadGenerator {
    public struct Outcome: Sendable {
        /// Requests by status code; 0 counts requests that got no reply.
        public let statuses: [Int: Int]
        public let latency: LatencyHistogram
        public let elapsed: Duration
        public let firstError: String?

        public var sent: Int { statuses.values.reduce(0, +) }
        public var requestsPerSecond: Double { Double(sent) / elapsed.seconds }
    }

    /// `requests[i]` goes on connection `i % connections`; `inspect` sees each
    /// request's index, status and body (on the generator's thread).
    public static func run(
        port: Int, connections: Int, requests: [[UInt8]],
        inspect: @escaping @Sendable (Int, Int, ArraySlice<UInt8>) -> Void = { _, _, _ in }
    ) async -> Outcome {
        let lanes = (0..<min(connections, requests.count)).map { Array(stride(from: $0, to: requests.count, by: connections)) }
        return await run(port: port, requests: requests, lanes: lanes, inspect: inspect)
    }

    /// Each lane is a connection sending its requests (indexes into
    /// `requests`) in order, each after the previous one's reply — so one
    /// sender's requests never overtake each other.
    public static func run(
        port: Int, requests: [[UInt8]], lanes: [[Int]],
        inspect: @escaping @Sendable (Int, Int, ArraySlice<UInt8>) -> Void = { _, _, _ in }
    ) async -> Outcome {
        await withCheckedContinuation { continuation in
            ThreadBridge.startThread(named: "load-generator") {
                continuation.resume(returning: drive(port: port, requests: requests, lanes: lanes.filter { !$0.isEmpty }, inspect: inspect))
            }
        }
    }

    /// One connection: the indexes it sends, and the reply it is reading.
    private final class Lane {
        let connection: HTTPConnection
        let indexes: [Int]
        var position = 0
        var sentAt = ContinuousClock.now
        var received: [UInt8] = []

        init(connection: HTTPConnection, indexes: [Int]) {
            self.connection = connection
            self.indexes = indexes
        }

        var unanswered: Int { indexes.count - position }
    }

    private static func drive(
        port: Int, requests: [[UInt8]], lanes plan: [[Int]], inspect: @Sendable (Int, Int, ArraySlice<UInt8>) -> Void
    ) -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        var statuses: [Int: Int] = [:]
        var seconds: [Double] = []
        seconds.reserveCapacity(requests.count)
        var firstError: String?
        var lanes: [Int32: Lane] = [:]
        func fail(_ lane: Lane, _ error: String) {
            firstError = firstError ?? error
            statuses[0, default: 0] += lane.unanswered
            lanes[lane.connection.descriptor] = nil
        }
        func sendNext(_ lane: Lane) {
            guard lane.position < lane.indexes.count else {
                lanes[lane.connection.descriptor] = nil
                return
            }
            lane.sentAt = clock.now
            do {
                try lane.connection.write(requests[lane.indexes[lane.position]])
            } catch {
                fail(lane, "\(error)")
            }
        }

        for indexes in plan {
            do {
                let lane = Lane(connection: try HTTPConnection(port: port), indexes: indexes)
                lanes[lane.connection.descriptor] = lane
                sendNext(lane)
            } catch {
                firstError = firstError ?? "\(error)"
                statuses[0, default: 0] += indexes.count
            }
        }

        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while !lanes.isEmpty {
            var watched = lanes.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&watched, nfds_t(watched.count), 30_000)
            guard ready > 0 else {
                if ready < 0 && errno == EINTR { continue }
                lanes.values.forEach { fail($0, ready == 0 ? "no reply within 30 s" : "poll: \(String(cString: strerror(errno)))") }
                break
            }
            for watch in watched where watch.revents != 0 {
                guard let lane = lanes[watch.fd] else { continue }
                let count = chunk.withUnsafeMutableBytes { recv(watch.fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else {
                    fail(lane, count == 0 ? "the server closed a connection" : "recv: \(String(cString: strerror(errno)))")
                    continue
                }
                lane.received.append(contentsOf: chunk[0..<count])
                while let reply = HTTPConnection.parseReply(lane.received) {
                    seconds.append((clock.now - lane.sentAt).seconds)
                    statuses[reply.status, default: 0] += 1
                    inspect(lane.indexes[lane.position], reply.status, lane.received[reply.body])
                    lane.received.removeFirst(reply.length)
                    lane.position += 1
                    sendNext(lane)
                }
            }
        }
        let latency = LatencyHistogram()
        latency.record(seconds: seconds)
        return Outcome(statuses: statuses, latency: latency, elapsed: clock.now - started, firstError: firstError)
    }
}
