import Foundation
import KetaMapCore
import Synchronization

/// The one path every dose, correction, weight and mark takes, from
/// `ketamapctl` or the config's schedule: check (fields, weight, plausibility
/// limits) → number and stamp on the sample clock → fsync to the event log →
/// write to the session file and flush → acknowledge with the event id and
/// the session's running totals.
public final class DoseDesk: Sendable {
    private let sessionID: String
    private let rateHz: Double
    private let ring: SampleRing
    private let eventLog: EventLog
    private let mailbox: RecorderMailbox
    private let board: StatusBoard

    /// Serialises checking, numbering, stamping and logging, so log order is stamp order.
    private let state: Mutex<State>

    private struct State {
        var ledger: DoseLedger
        var lastDoseSample: UInt64?
    }

    init(
        sessionID: String, rateHz: Double, ring: SampleRing, eventLog: EventLog, mailbox: RecorderMailbox, board: StatusBoard,
        ledger: DoseLedger = DoseLedger()
    ) {
        self.sessionID = sessionID
        self.rateHz = rateHz
        self.ring = ring
        self.eventLog = eventLog
        self.mailbox = mailbox
        self.board = board
        state = Mutex(State(ledger: ledger))
        board.update { $0.dosing = ledger.summary }
    }

    /// The newest acquired sample index (0 before the first block).
    private var newestSample: UInt64 { ring.writeIndex == 0 ? 0 : ring.writeIndex - 1 }

    /// Records a dose; returns it once it is in the event log and in the flushed
    /// file, with the totals it makes. Throws `DoseRejection` for a bad or
    /// implausible (and unconfirmed) request; nothing is recorded then.
    public func record(_ request: DoseRequest, at date: Date = Date()) async throws -> DoseAcknowledgement {
        let (event, summary, previous) = try state.withLock { state in
            let assessed = try state.ledger.assess(request)
            var sample = request.atSample ?? newestSample
            if let last = state.lastDoseSample, sample <= last { sample = last + 1 }  // two doses never share a start
            var recorded = request
            recorded.atSample = nil  // the stamp is the dose's sampleIndex
            recorded.confirmed = assessed.limitOverride != nil  // as recorded: a broken limit was confirmed
            let event = DoseEvent(
                stamping: recorded, eventID: state.ledger.nextEventID, atSample: sample, rateHz: rateHz,
                weightKilograms: assessed.normalized.weightKilograms, wallClock: ISO8601.string(from: date), limitOverride: assessed.limitOverride)
            let previous = state.ledger.summary.lastDoseSeconds
            try eventLog.append(EventRecord(kind: .dose, sessionID: sessionID, dose: event, at: date))
            _ = state.ledger.takeEventID()
            state.ledger.record(event)
            state.lastDoseSample = sample
            return (event, state.ledger.summary, previous)
        }
        try await mailbox.deliver(.dose(event))
        board.update {
            $0.doses.append(event)
            $0.dosing = summary
        }
        return DoseAcknowledgement(dose: event, dosing: summary, secondsSincePreviousDose: previous.map { event.startSeconds - $0 })
    }

    /// Voids the dose recorded as `eventID`: appends a correction naming it
    /// (the dose stays in the record, marked voided) and leaves it out of the totals.
    public func void(eventID: Int, reason: String, at date: Date = Date()) async throws -> VoidAcknowledgement {
        let (void, summary) = try state.withLock { state in
            try state.ledger.checkVoid(of: eventID, reason: reason)
            let sample = newestSample
            let void = DoseVoid(
                eventID: state.ledger.nextEventID, voidedEventID: eventID, reason: reason, sampleIndex: sample, seconds: Double(sample) / rateHz,
                wallClock: ISO8601.string(from: date))
            try eventLog.append(EventRecord(kind: .void, sessionID: sessionID, void: void, at: date))
            _ = state.ledger.takeEventID()
            state.ledger.record(void)
            return (void, state.ledger.summary)
        }
        try await mailbox.deliver(.void(void))
        board.update { $0.dosing = summary }
        return VoidAcknowledgement(void: void, dosing: summary)
    }

    /// Sets the subject's weight from now on (`ketamapctl weight`).
    public func setWeight(kilograms: Double, at date: Date = Date()) async throws -> WeightAcknowledgement {
        if let problem = WeightChange.check(kilograms: kilograms) { throw problem }
        let (weight, summary) = try state.withLock { state in
            let sample = newestSample
            let weight = WeightChange(
                eventID: state.ledger.nextEventID, kilograms: kilograms, sampleIndex: sample, seconds: Double(sample) / rateHz,
                wallClock: ISO8601.string(from: date))
            try eventLog.append(EventRecord(kind: .weight, sessionID: sessionID, weight: weight, at: date))
            _ = state.ledger.takeEventID()
            state.ledger.record(weight)
            return (weight, state.ledger.summary)
        }
        try await mailbox.deliver(.weight(weight))
        board.update { $0.dosing = summary }
        return WeightAcknowledgement(weight: weight, dosing: summary)
    }

    /// Logs the config's weight as event 0 at sample 0 and posts it to the
    /// recorder (before the session runs: nothing waits for it).
    func recordStartingWeight(at date: Date = Date()) throws {
        guard let kilograms = state.withLock({ $0.ledger.weightKilograms }) else { return }
        let weight = WeightChange(eventID: 0, kilograms: kilograms, sampleIndex: 0, seconds: 0, wallClock: ISO8601.string(from: date))
        try eventLog.append(EventRecord(kind: .weight, sessionID: sessionID, weight: weight, detail: "from the configuration", at: date))
        mailbox.post(.weight(weight))
    }

    /// Records a free-text mark at the newest sample.
    public func mark(_ text: String, at date: Date = Date()) async throws -> Mark {
        guard !text.allSatisfy(\.isWhitespace) else { throw DoseRejection(field: "text", reason: "is empty; say what happened") }
        if let problem = EventText.check(text, field: "text", maxBytes: EventText.markBytes) { throw problem }
        let mark = try state.withLock { state in
            let sample = newestSample
            let mark = Mark(eventID: state.ledger.nextEventID, text: text, sampleIndex: sample, seconds: Double(sample) / rateHz, wallClock: ISO8601.string(from: date))
            try eventLog.append(EventRecord(kind: .mark, sessionID: sessionID, mark: mark, at: date))
            _ = state.ledger.takeEventID()
            return mark
        }
        try await mailbox.deliver(.mark(mark))
        board.update { $0.marks += 1 }
        return mark
    }
}

/// A recorded dose, the totals it makes and the time since the one before.
public struct DoseAcknowledgement: Sendable, Equatable, Codable {
    public var dose: DoseEvent
    public var dosing: DosingSummary
    /// Seconds between the previous standing dose's start and this one's; nil for the first.
    public var secondsSincePreviousDose: Double?
}

/// A recorded correction and the totals without the voided dose.
public struct VoidAcknowledgement: Sendable, Equatable, Codable {
    public var void: DoseVoid
    public var dosing: DosingSummary
}

/// A recorded weight change and the totals (per-kg figures of later doses use it).
public struct WeightAcknowledgement: Sendable, Equatable, Codable {
    public var weight: WeightChange
    public var dosing: DosingSummary
}
