import Dispatch
import Foundation
import KetaMapCore
import Synchronization

/// The one path every dose and mark takes, from `ketamapctl` or the config's
/// schedule: validate → stamp on the sample clock at arrival → fsync to the
/// event log → write to the session file and flush → acknowledge.
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
        var nextEventID: UInt64 = 1
        /// Stamped events the writer has not taken yet, in stamp order.
        var waiting: [Waiting] = []

        mutating func takeEventID() -> UInt64 {
            defer { nextEventID += 1 }
            return nextEventID
        }
    }

    private let sessionID: String
    private let rateHz: Double
    private let ring: SampleRing
    private let eventLog: EventLog
    private let mailbox: RecorderMailbox
    private let board: StatusBoard
    private let durableTimeoutSeconds: Double
    /// Held only to stamp and queue, never across I/O.
    private let order = Mutex(Order())
    /// The only thread that appends doses and marks to the log (serial: it takes `waiting` in order).
    private let writer = DispatchQueue(label: "ketamap.event-log")

    init(
        sessionID: String, rateHz: Double, ring: SampleRing, eventLog: EventLog, mailbox: RecorderMailbox, board: StatusBoard,
        durableTimeoutSeconds: Double = DoseDesk.defaultDurableTimeoutSeconds
    ) {
        self.sessionID = sessionID
        self.rateHz = rateHz
        self.ring = ring
        self.eventLog = eventLog
        self.mailbox = mailbox
        self.board = board
        self.durableTimeoutSeconds = durableTimeoutSeconds
    }

    /// The newest acquired sample index (0 before the first block).
    private var newestSample: UInt64 { ring.writeIndex == 0 ? 0 : ring.writeIndex - 1 }

    /// Records a dose; returns it once it is in the event log and in the flushed file.
    /// Throws `DoseRejection` for a bad request and `EventTicket.Refusal` when it was not recorded.
    public func record(_ request: DoseRequest, from peer: PeerCredentials? = nil, at date: Date = Date()) async throws -> DoseEvent {
        if let rejection = request.validate() { throw rejection }
        let (event, ticket) = order.withLock { order in
            var sample = request.atSample ?? newestSample
            if let last = order.lastDoseSample, sample <= last { sample = last + 1 }  // two doses never share a start
            order.lastDoseSample = sample
            let event = DoseEvent(
                stamping: request, atSample: sample, rateHz: rateHz, wallClock: ISO8601.string(from: date), eventID: order.takeEventID(), peer: peer)
            let ticket = EventTicket(eventID: event.eventID!)
            order.waiting.append(Waiting(record: EventRecord(kind: .dose, sessionID: sessionID, dose: event, at: date), entry: .dose(event), ticket: ticket))
            return (event, ticket)
        }
        writer.async { self.writeWaiting() }
        try await answer(ticket)
        board.update { $0.doses.append(event) }
        return event
    }

    /// Records a free-text mark at the newest sample.
    public func mark(_ text: String, from peer: PeerCredentials? = nil, at date: Date = Date()) async throws -> Mark {
        guard !text.allSatisfy(\.isWhitespace) else { throw DoseRejection(field: "text", reason: "is empty; say what happened") }
        let (mark, ticket) = order.withLock { order in
            let sample = newestSample
            let mark = Mark(
                text: text, sampleIndex: sample, seconds: Double(sample) / rateHz, wallClock: ISO8601.string(from: date), eventID: order.takeEventID(),
                peer: peer)
            let ticket = EventTicket(eventID: mark.eventID!)
            order.waiting.append(Waiting(record: EventRecord(kind: .mark, sessionID: sessionID, mark: mark, at: date), entry: .mark(mark), ticket: ticket))
            return (mark, ticket)
        }
        writer.async { self.writeWaiting() }
        try await answer(ticket)
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

    /// Waits for the ticket's answer, refusing it after the timeout; logs a refusal of a logged event.
    private func answer(_ ticket: EventTicket) async throws {
        let timeout = durableTimeoutSeconds
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            ticket.refuse("the disk did not confirm it within \(timeout.formatted()) s")
        }
        guard case .failure(let refusal) = await ticket.answer() else { return }
        let record = EventRecord(kind: .refused, sessionID: sessionID, refusedEventID: ticket.eventID, detail: refusal.reason)
        writer.async { [eventLog] in
            if ticket.wasLogged { try? eventLog.append(record) }
        }
        throw refusal
    }
}
