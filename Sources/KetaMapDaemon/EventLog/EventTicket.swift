import Synchronization

/// One dose or mark on its way to the disk, and the one answer its request
/// gets: acknowledged (in the event log and in the flushed file) or refused.
/// There is no third answer, and it is given exactly once.
///
/// ```
/// queued ──► logging ──► logged ──► claimed ──► acknowledged
///   └──────────┴───────────┴──► refused (timeout, closed recorder, disk error)
/// ```
/// Once the recorder has claimed the event (its row is being written), only
/// the recorder's result answers it: a refusal could no longer be true.
///
/// Any thread. The event log's writer moves it to `logged`, the recorder
/// claims and completes it, the request's timeout may refuse it.
final class EventTicket: Sendable {
    /// Why a request was refused; nothing of it counts.
    struct Refusal: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    private enum Stage { case queued, logging, logged, claimed, answered }

    private struct State {
        var stage = Stage.queued
        /// The event's line reached the log (so a refusal must be logged too).
        var wasLogged = false
        var answer: Result<Void, Refusal>?
        var waiter: CheckedContinuation<Result<Void, Refusal>, Never>?
    }

    let eventID: UInt64
    private let state = Mutex(State())

    init(eventID: UInt64) { self.eventID = eventID }

    /// Event-log writer: returns false if the request was already refused (log nothing).
    func beginLogging() -> Bool {
        state.withLock { state in
            guard state.stage == .queued else { return false }
            state.stage = .logging
            return true
        }
    }

    /// Event-log writer, after the fsync: returns false if the request was refused meanwhile (post nothing).
    func finishLogging() -> Bool {
        state.withLock { state in
            state.wasLogged = true
            guard state.stage == .logging else { return false }
            state.stage = .logged
            return true
        }
    }

    /// Recorder thread, before writing the row: returns false if the request was refused (write nothing).
    func claim() -> Bool {
        state.withLock { state in
            guard state.stage == .logged else { return false }
            state.stage = .claimed
            return true
        }
    }

    /// Recorder thread, after the flush: the answer.
    func complete(_ result: Result<Void, any Error>) {
        answer(result.mapError { Refusal(reason: "the session file could not store it (\($0))") }, from: [.claimed])
    }

    /// Refuses the request unless the recorder has claimed it; returns whether it did.
    @discardableResult
    func refuse(_ reason: String) -> Bool {
        answer(.failure(Refusal(reason: reason)), from: [.queued, .logging, .logged])
    }

    /// Whether the event's line is in the log (then a refusal is logged after it).
    var wasLogged: Bool { state.withLock { $0.wasLogged } }

    /// Waits for the answer.
    func answer() async -> Result<Void, Refusal> {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.answer == nil { state.waiter = continuation }
                return state.answer
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    @discardableResult
    private func answer(_ result: Result<Void, Refusal>, from stages: [Stage]) -> Bool {
        let (answered, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Result<Void, Refusal>, Never>?) in
            guard stages.contains(state.stage) else { return (false, nil) }
            state.stage = .answered
            state.answer = result
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: result)
        return answered
    }
}
