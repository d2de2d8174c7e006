import Foundation
import Glibc

/// A bare Unix-socket client for tests that need what `ControlClient` never
/// does: keep a connection idle, half-close it, hold many at once.
final class RawControlSocket {
    private let descriptor: Int32

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Failure(description: "socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw Failure(description: "connect \(path): \(reason)")
        }
    }

    deinit { close(descriptor) }

    /// Sends `line` and its newline; with `ending: false`, the bytes alone (a line not yet finished).
    func send(_ line: String, ending: Bool = true) throws {
        let bytes = Array((ending ? line + "\n" : line).utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else { throw Failure(description: "write: \(String(cString: strerror(errno)))") }
    }

    /// Ends our side of the stream (`shutdown(SHUT_WR)`), as `nc -N` does; replies can still arrive.
    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    enum Read: Equatable {
        case line(String)
        /// The server closed the connection.
        case closed
        case timedOut
    }

    private var pending: [UInt8] = []

    /// The next reply line, the end of the stream, or nothing within `timeoutSeconds`.
    func readLine(timeoutSeconds: Double) -> Read {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return .line(line)
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return .timedOut }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(left * 1000) + 1) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { return .closed }
            pending += buffer[..<count]
        }
    }
}
