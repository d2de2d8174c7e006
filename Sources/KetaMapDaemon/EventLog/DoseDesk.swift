import Foundation
import KetaMapCore
import Synchronization

/// The one path every dose and mark takes, from `ketamapctl` or the config's
/// schedule: validate → stamp on the sample clock → fsync to the event log →
/// write to the session file and flush → acknowledge.
public final class DoseDesk: Sendable {
    private let sessionID: String
    private let rateHz: Double
    private let ring: SampleRing
    private let eventLog: EventLog
    private let mailbox: RecorderMailbox
    private let board: StatusBoard
    /// Serialises stamping and logging, so log order is stamp order; holds the last dose's sample.
    private let lastDoseSample = Mutex<UInt64?>(nil)

    init(sessionID: String, rateHz: Double, ring: SampleRing, eventLog: EventLog, mailbox: RecorderMailbox, board: StatusBoard) {
        self.sessionID = sessionID
        self.rateHz = rateHz
        self.ring = ring
        self.eventLog = eventLog
        self.mailbox = mailbox
        self.board = board
    }

    /// The newest acquired sample index (0 before the first block).
    private var newestSample: UInt64 { ring.writeIndex == 0 ? 0 : ring.writeIndex - 1 }

    /// Records a dose; returns it once it is in the event log and in the flushed file.
    /// Throws `DoseRejection` for a bad request.
    public func record(_ request: DoseRequest, at date: Date = Date()) async throws -> DoseEvent {
        if let rejection = request.validate() { throw rejection }
        let event = try lastDoseSample.withLock { last in
            var sample = request.atSample ?? newestSample
            if let last, sample <= last { sample = last + 1 }  // two doses never share a start
            let event = DoseEvent(stamping: request, atSample: sample, rateHz: rateHz, wallClock: ISO8601.string(from: date))
            try eventLog.append(EventRecord(kind: .dose, sessionID: sessionID, dose: event, at: date))
            last = sample
            return event
        }
        try await mailbox.deliver(.dose(event))
        board.update { $0.doses.append(event) }
        return event
    }

    /// Records a free-text mark at the newest sample.
    public func mark(_ text: String, at date: Date = Date()) async throws -> Mark {
        guard !text.allSatisfy(\.isWhitespace) else { throw DoseRejection(field: "text", reason: "is empty; say what happened") }
        let sample = newestSample
        let mark = Mark(text: text, sampleIndex: sample, seconds: Double(sample) / rateHz, wallClock: ISO8601.string(from: date))
        try eventLog.append(EventRecord(kind: .mark, sessionID: sessionID, mark: mark, at: date))
        try await mailbox.deliver(.mark(mark))
        board.update { $0.marks += 1 }
        return mark
    }
}
