import KetaMapControl
import Logging
import ServiceLifecycle

/// Tells systemd how the session is, for as long as it runs: every few
/// seconds a `STATUS=` line (`SessionStatus.systemdStatusLine`) and, when the
/// unit sets `WatchdogSec=`, a `WATCHDOG=1` ping in the same datagram, sent
/// only when every running stage (acquisition, processing, recorder, control)
/// has beaten its `StageHeartbeat` since the previous turn. A stage that stops
/// beating stops the pings; systemd then kills the unit after `WatchdogSec=`
/// and restarts it, and the restart continues the session in a new part file.
///
/// Listed first among the session's services, so it hears of a shutdown last
/// and keeps pinging while the others drain.
final class HealthReporter: Service {
    /// Seconds between status lines when no watchdog asks for more.
    static let statusSeconds = 5.0

    private let monitor: StageMonitor
    private let board: StatusBoard
    private let notifier: SystemdNotifier
    private let watchdogSeconds: Double?
    private let logger: Logger

    init(monitor: StageMonitor, board: StatusBoard, notifier: SystemdNotifier, watchdogSeconds: Double?, logger: Logger) {
        self.monitor = monitor
        self.board = board
        self.notifier = notifier
        self.watchdogSeconds = watchdogSeconds
        self.logger = logger
    }

    /// Seconds between turns: a status line every few seconds, and two pings per watchdog interval.
    var periodSeconds: Double { min(Self.statusSeconds, (watchdogSeconds ?? .infinity) / 2) }

    func run() async throws {
        if let watchdogSeconds {
            logger.info("watchdog on", metadata: ["watchdog_seconds": "\(watchdogSeconds)", "ping_seconds": "\(periodSeconds)"])
        }
        do {
            try await cancelWhenGracefulShutdown { try await self.reportUntilCancelled() }
        } catch is CancellationError {
            return  // the session has ended
        }
    }

    private func reportUntilCancelled() async throws {
        var previous = monitor.progress()
        var stalledBefore: [StageKey] = []
        while true {
            try await Task.sleep(for: .seconds(periodSeconds))
            let now = monitor.progress()
            let stalled = now.stalled(since: previous)
            previous = now
            report(stalled: stalled, before: stalledBefore)
            stalledBefore = stalled
        }
    }

    private func report(stalled: [StageKey], before: [StageKey]) {
        let line = board.snapshot().systemdStatusLine(stalled: stalled)
        if stalled.isEmpty && watchdogSeconds != nil {
            notifier.alive(status: line)
        } else {
            notifier.status(line)
        }
        for stage in stalled where !before.contains(stage) {
            logger.error(
                "\(stage) made no progress for \(StatusText.format(periodSeconds, 1)) s",
                metadata: Logger.Metadata.stage(stage).merging([
                    "watchdog": watchdogSeconds == nil ? "off" : "pings withheld: systemd restarts the unit into a new part file if it stays stalled"
                ]) { $1 })
        }
        for stage in before where !stalled.contains(stage) {
            logger.notice("\(stage) is making progress again", metadata: .stage(stage))
        }
    }
}
