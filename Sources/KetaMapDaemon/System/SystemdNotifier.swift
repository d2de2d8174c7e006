import Logging

/// Tells systemd how the session is doing (`Type=notify` units): `READY=1`
/// once the file is open and the first block is stored, `STATUS=` lines,
/// `WATCHDOG=1` pings and `STOPPING=1` on shutdown. Outside systemd
/// (no `NOTIFY_SOCKET`) every call does nothing.
public struct SystemdNotifier: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    /// A watchdog ping with the status line, in one datagram.
    public func alive(status text: String) { send("WATCHDOG=1\nSTATUS=\(text)") }
    public func stopping() { send("STOPPING=1") }

    /// Seconds within which systemd expects a ping (`WatchdogSec=`), or nil without a watchdog.
    public var watchdogSeconds: Double? {
        do {
            return try SystemdCalls.watchdogMicroseconds().map { Double($0) / 1e6 }
        } catch {
            logger.warning("the watchdog setting could not be read; no pings are sent", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func send(_ state: String) {
        do {
            try SystemdCalls.notify(state)
        } catch {
            logger.warning("could not notify systemd", metadata: ["error": "\(error)"])
        }
    }
}
