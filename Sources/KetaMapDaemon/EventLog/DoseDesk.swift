import Dispatch
import Foundation
import KetaMapStorage
import KetaMapCore
import Synchronization

/// The one path every dose, correction, weight and mark takes, from
/// `ketamapctl` or the config's schedule: check (fields, weight, plausibility
/// limits, in the `DoseLedger`) → number and stamp on the sample clock at
/// arrival → fsync to the event log → write to the session file and flush →
/// acknowledge with the event id and the session's running totals.
///
/// The ledger takes each event as it is stamped (so the next request is
/// checked against it, session limit included) and gives it back if its
/// request is refused later: only what was acknowledged counts.
///
/// Stamping takes a short lock and queues the event for one serial writer, so
/// the order of stamps is the order of the log and of the recorder's mailbox:
/// the file can never refuse a dose the log holds. The writer takes every
/// event waiting and syncs them with one fsync (a group commit), so many
/// clients at once cost one disk round trip, not one each. The caller never touches
/// the disk: it waits for its `EventTicket`, which is acknowledged once the
/// event is durable in both places, or refused (after `durableTimeoutSeconds`
/// at most). A refusal of an event already logged is logged too, as a
/// `refused` record naming its event id.
public final class DoseDesk: Sendable {
    /// How long a request waits for the disk before it is refused, in seconds.
    public static let defaultDurableTimeoutSeconds = 5.0

    /// An event stamped and waiting for the writer.
    private struct Waiting {
        let record: EventRecord
        let entry: RecorderMailbox.Entry
        let ticket: EventTicket
    }

    private struct Order {
        var lastDoseSample: UInt64?
        /// Weight, doses, voids and the event numbers.
        var ledger: DoseLedger
        /// Stamped events the writer has not taken yet, in stamp order.
        var waiting: [Waiting] = []

        /// Queues `record` for the writer with a new ticket.
        mutating func queue(_ record: EventRecord, _ entry: RecorderMailbox.Entry, eventID: UInt64) -> EventTicket {
            let ticket = EventTicket(eventID: eventID)
            waiting.append(Waiting(record: record, entry: entry, ticket: ticket))
            return ticket
        }
    }

    private let sessionID: String
    private let rateHz: Double
    private let ring: SampleRing
    private let eventLog: EventLog
    private let mailbox: RecorderMailbox
    private let board: StatusBoard
    private let durableTimeoutSeconds: Double
    /// Runs `refuse` once `durableTimeoutSeconds` have passed (tests run it when they choose).
    private let startTimeout: @Sendable (_ seconds: Double, _ refuse: @escaping @Sendable () -> Void) -> Void
    /// Held only to check, stamp and queue, never across I/O.
    private let order: Mutex<Order>
    /// The only thread that appends doses and marks to the log (serial: it takes `waiting` in order).
    private let writer = DispatchQueue(label: "ketamap.event-log")

    init(
        sessionID: String, rateHz: Double, ring: SampleRing, eventLog: EventLog, mailbox: RecorderMailbox, board: StatusBoard,
        durableTimeoutSeconds: Double = DoseDesk.defaultDurableTimeoutSeconds, ledger: DoseLedger = DoseLedger(),
        startTimeout: @escaping @Sendable (_ seconds: Double, _ refuse: @escaping @Sendable () -> Void) -> Void = DoseDesk.afterDelay
    ) {
        self.sessionID = sessionID
        self.rateHz = rateHz
        self.ring = ring
        self.eventLog = eventLog
        self.mailbox = mailbox
        self.board = board
        self.durableTimeoutSeconds = durableTimeoutSeconds
        self.startTimeout = startTimeout
        order = Mutex(Order(ledger: ledger))
        board.update { $0.dosing = ledger.summary }
    }

    /// The session's timeout: `refuse` runs `seconds` from now.
    static func afterDelay(_ seconds: Double, _ refuse: @escaping @Sendable () -> Void) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: refuse)
    }

    /// The newest acquired sample index (0 before the first block).
    private var newestSample: UInt64 { ring.writeIndex == 0 ? 0 : ring.writeIndex - 1 }

    /// Records a dose; returns it once it is in the event log and in the
    /// flushed file, with the totals it makes. Throws `DoseRejection` for a bad
    /// or implausible (and unconfirmed) request, and `EventTicket.Refusal`
    /// when it was not recorded; nothing counts then.
    public func record(_ request: DoseRequest, from peer: PeerCredentials? = nil, at date: Date = Date()) async throws -> DoseAcknowledgement {
        let account = peer.map { UserAccounts.name(of: $0.uid) }
        let (event, ticket, previous) = try order.withLock { order in
            let assessed = try order.ledger.assess(request)
            var sample = request.atSample ?? newestSample
            if let last = order.lastDoseSample, sample <= last { sample = last + 1 }  // two doses never share a start
            order.lastDoseSample = sample
            var recorded = request
            recorded.atSample = nil  // the stamp is the dose's sampleIndex
            recorded.confirmed = assessed.limitOverride != nil  // as recorded: a broken limit was confirmed
            let event = DoseEvent(
                stamping: recorded, atSample: sample, rateHz: rateHz, weightKilograms: assessed.normalized.weightKilograms,
                wallClock: ISO8601.string(from: date), eventID: order.ledger.takeEventID(), peer: peer, operatorAccount: account,
                limitOverride: assessed.limitOverride)
            let previous = order.ledger.summary.lastDoseSeconds
            order.ledger.record(event)
            let ticket = order.queue(EventRecord(kind: .dose, sessionID: sessionID, dose: event, at: date), .dose(event), eventID: event.eventID)
            return (event, ticket, previous)
        }
        let summary = try await answer(ticket)
        board.update {
            $0.doses.append(event)
            $0.dosing = summary
        }
        return DoseAcknowledgement(dose: event, dosing: summary, secondsSincePreviousDose: previous.map { event.startSeconds - $0 })
    }

    /// Voids the dose recorded as `eventID`: appends a correction naming it
    /// (the dose stays in the record, marked voided) and leaves it out of the totals.
    public func void(eventID: UInt64, reason: String, from peer: PeerCredentials? = nil, at date: Date = Date()) async throws -> VoidAcknowledgement {
        let account = peer.map { UserAccounts.name(of: $0.uid) }
        let (void, ticket) = try order.withLock { order in
            try order.ledger.checkVoid(of: eventID, reason: reason)
            let sample = newestSample
            let void = DoseVoid(
                eventID: order.ledger.takeEventID(), voidedEventID: eventID, reason: reason, sampleIndex: sample, seconds: Double(sample) / rateHz,
                wallClock: ISO8601.string(from: date), peer: peer, operatorAccount: account)
            order.ledger.record(void)
            return (void, order.queue(EventRecord(kind: .void, sessionID: sessionID, void: void, at: date), .void(void), eventID: void.eventID))
        }
        let summary = try await answer(ticket)
        board.update { $0.dosing = summary }
        return VoidAcknowledgement(void: void, dosing: summary)
    }

    /// Sets the subject's weight from now on (`ketamapctl weight`).
    public func setWeight(kilograms: Double, from peer: PeerCredentials? = nil, at date: Date = Date()) async throws -> WeightAcknowledgement {
        if let problem = WeightChange.check(kilograms: kilograms) { throw problem }
        let account = peer.map { UserAccounts.name(of: $0.uid) }
        let (weight, ticket) = order.withLock { order in
            let sample = newestSample
            let weight = WeightChange(
                eventID: order.ledger.takeEventID(), kilograms: kilograms, sampleIndex: sample, seconds: Double(sample) / rateHz,
                wallClock: ISO8601.string(from: date), peer: peer, operatorAccount: account)
            order.ledger.record(weight)
            return (weight, order.queue(EventRecord(kind: .weight, sessionID: sessionID, weight: weight, at: date), .weight(weight), eventID: weight.eventID))
        }
        let summary = try await answer(ticket)
        board.update { $0.dosing = summary }
        return WeightAcknowledgement(weight: weight, dosing: summary)
    }

    /// Logs the config's weight as event 0 at sample 0 and posts it to the
    /// recorder (before the session runs: nothing waits for it).
    func recordStartingWeight(at date: Date = Date()) throws {
        guard let kilograms = order.withLock({ $0.ledger.weightKilograms }) else { return }
        let weight = WeightChange(eventID: 0, kilograms: kilograms, sampleIndex: 0, seconds: 0, wallClock: ISO8601.string(from: date))
        try eventLog.append(EventRecord(kind: .weight, sessionID: sessionID, weight: weight, detail: "from the configuration", at: date))
        mailbox.post(.weight(weight))
    }

    /// Records a free-text mark at the newest sample.
    public func mark(_ text: String, from peer: PeerCredentials? = nil, at date: Date = Date()) async throws -> Mark {
        guard !text.allSatisfy(\.isWhitespace) else { throw DoseRejection(field: "text", reason: "is empty; say what happened") }
        if let problem = EventText.check(text, field: "text", maxBytes: EventText.markBytes) { throw problem }
        let (mark, ticket) = order.withLock { order in
            let sample = newestSample
            let mark = Mark(
                text: text, sampleIndex: sample, seconds: Double(sample) / rateHz, wallClock: ISO8601.string(from: date), eventID: order.ledger.takeEventID(),
                peer: peer)
            return (mark, order.queue(EventRecord(kind: .mark, sessionID: sessionID, mark: mark, at: date), .mark(mark), eventID: mark.eventID))
        }
        _ = try await answer(ticket)
        board.update { $0.marks += 1 }
        return mark
    }

    /// Logs who asked the session to stop (without waiting for the disk).
    public func noteStop(from peer: PeerCredentials?, at date: Date = Date()) {
        let record = EventRecord(kind: .stopRequested, sessionID: sessionID, peer: peer, at: date)
        writer.async { [eventLog] in try? eventLog.append(record) }
    }

    /// Returns once everything queued so far has been written (or refused).
    func drain() async {
        await withCheckedContinuation { continuation in writer.async { continuation.resume() } }
    }

    /// Writer queue: logs every waiting event with one fsync, then hands them to
    /// the recorder in the same order; an event whose request was refused first is skipped.
    private func writeWaiting() {
        let batch = order.withLock { order in
            defer { order.waiting.removeAll() }
            return order.waiting
        }.filter { $0.ticket.beginLogging() }  // one timed out while waiting: nothing recorded
        guard !batch.isEmpty else { return }
        do {
            try eventLog.append(batch.map(\.record))
        } catch {
            for event in batch {
                _ = event.ticket.finishLogging()  // a torn line may be there: the refusal is logged after it, if the disk allows
                event.ticket.refuse("the event log could not store it (\(error))")
            }
            return
        }
        for event in batch where event.ticket.finishLogging() {
            do {
                try mailbox.post(event.entry, ticket: event.ticket)
            } catch {
                event.ticket.refuse("\(error)")
            }
        }
    }

    /// Wakes the writer for the queued event, then waits for the ticket's answer, refusing it after the timeout; logs a
    /// refusal of a logged event and gives the event back to the ledger.
    /// Returns the totals as they stand once it is acknowledged.
    private func answer(_ ticket: EventTicket) async throws -> DosingSummary {
        writer.async { self.writeWaiting() }
        let timeout = durableTimeoutSeconds
        startTimeout(timeout) { ticket.refuse("the disk did not confirm it within \(timeout.formatted()) s") }
        guard case .failure(let refusal) = await ticket.answer() else { return order.withLock { $0.ledger.summary } }
        order.withLock { $0.ledger.withdraw(ticket.eventID) }
        let record = EventRecord(kind: .refused, sessionID: sessionID, refusedEventID: ticket.eventID, detail: refusal.reason)
        writer.async { [eventLog] in
            if ticket.wasLogged { try? eventLog.append(record) }
        }
        throw refusal
    }
}
