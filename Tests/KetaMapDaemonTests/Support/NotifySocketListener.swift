import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Plays systemd's side of `sd_notify`: a datagram socket of the test's own
/// (pass `environment` to the daemon), read on a thread of its own; every
/// datagram is kept with the time it arrived.
final class NotifySocketListener: Sendable {
    struct Datagram: Sendable {
        let at: Date
        let text: String

        /// `KEY=value` lines of the datagram.
        var fields: [String: String] {
            Dictionary(
                text.split(separator: "\n").compactMap { line in line.firstIndex(of: "=").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) } },
                uniquingKeysWith: { $1 })
        }
        var isPing: Bool { fields["WATCHDOG"] == "1" }
    }

    let path: String
    private let descriptor: Int32
    private let received = Mutex<[Datagram]>([])
    private let closed = Atomic<Bool>(false)

    /// Binds `<directory>/<name>`.
    init(directory: String, name: String = "notify.sock") throws {
        path = "\(directory)/\(name)"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            Glibc.close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        let thread = Thread { [self] in receiveUntilClosed() }
        thread.name = "notify-listener"
        thread.start()
    }

    /// What a daemon needs to talk to this socket, with a watchdog of `watchdogSeconds` if given.
    func environment(watchdogSeconds: Double? = nil) -> [String: String] {
        var environment = ["NOTIFY_SOCKET": path]
        if let watchdogSeconds { environment["WATCHDOG_USEC"] = String(UInt64(watchdogSeconds * 1e6)) }
        return environment
    }

    var datagrams: [Datagram] { received.withLock { $0 } }

    /// Waits up to `timeout` seconds for a datagram after `since` that satisfies `match`.
    func wait(for match: (Datagram) -> Bool, after since: Date = .distantPast, timeout: Double) async throws -> Datagram? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = datagrams.first(where: { $0.at > since && match($0) }) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Stops the reading thread; call once the daemon has ended.
    func close() {
        closed.store(true, ordering: .relaxed)
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    private func receiveUntilClosed() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !closed.load(ordering: .relaxed) {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { continue }
            let datagram = Datagram(at: Date(), text: String(decoding: buffer[0..<count], as: UTF8.self))
            received.withLock { $0.append(datagram) }
        }
        Glibc.close(descriptor)
    }
}
