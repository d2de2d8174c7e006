import ServiceLifecycle

/// Listed last, so it is the first to hear of a graceful shutdown: tells
/// systemd (`STOPPING=1`) and the status board that the session is stopping
/// while the other services drain.
final class ShutdownAnnouncer: Service {
    private let board: StatusBoard
    private let notifier: SystemdNotifier

    init(board: StatusBoard, notifier: SystemdNotifier) {
        self.board = board
        self.notifier = notifier
    }

    func run() async throws {
        try? await gracefulShutdown()
        notifier.stopping()
        board.update { if $0.state == .recording || $0.state == .starting { $0.state = .stopping } }
    }
}
