import KetaMapStorage
import KetaMapCore
import ServiceLifecycle

/// Keeps the event log open for the whole session; on shutdown (last, after
/// the file is closed, and after every dose and mark still queued) it writes
/// the session-ended record and syncs.
final class EventLogService: Service {
    private let log: EventLog
    private let desk: DoseDesk
    private let sessionID: String
    private let faults: FaultLatch
    private let board: StatusBoard

    init(log: EventLog, desk: DoseDesk, sessionID: String, faults: FaultLatch, board: StatusBoard) {
        self.log = log
        self.desk = desk
        self.sessionID = sessionID
        self.faults = faults
        self.board = board
    }

    func run() async throws {
        try? await gracefulShutdown()
        await desk.drain()
        let fault = faults.reason
        board.update {
            $0.state = fault == nil ? .stopped : .faulted
            $0.fault = fault
        }
        try log.append(EventRecord(kind: .sessionEnded, sessionID: sessionID, detail: fault))
        try log.close()
    }
}
