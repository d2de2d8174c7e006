import Logging

/// Tells systemd how the session is doing (`Type=notify` units): `READY=1`
/// once the file is open and the first block is stored, `STATUS=` lines, and
/// `STOPPING=1` on shutdown. Outside systemd every call does nothing.
public struct SystemdNotifier: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func stopping() { send("STOPPING=1") }

    private func send(_ state: String) {
        do {
            try SystemdCalls.notify(state)
        } catch {
            logger.warning("could not notify systemd", metadata: ["error": "\(error)"])
        }
    }
}
