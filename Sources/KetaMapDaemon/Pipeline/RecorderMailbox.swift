import KetaMapCore
import Synchronization

/// The bounded way doses, voids, weights, marks and gaps reach the recorder
/// thread. A dose, void, weight or mark travels with its `EventTicket`, which the recorder claims before
/// writing the row and completes after the flush (that is when it may be
/// acknowledged).
///
/// Any thread posts; only the recorder thread drains. The recorder checks an
/// atomic count first and takes the lock only when something is waiting.
public final class RecorderMailbox: Sendable {
    public enum Entry: Sendable {
        case dose(DoseEvent)
        case void(DoseVoid)
        case weight(WeightChange)
        case mark(Mark)
        /// Samples lost from stream `stream` (its index in the pipeline).
        case gap(AcquisitionGap, stream: Int)
    }

    /// An entry and the ticket to answer once it is on disk (none for gaps).
    struct Delivery: Sendable {
        let entry: Entry
        let ticket: EventTicket?
    }

    /// Why a post was refused.
    public struct Closed: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "the recorder is not accepting events: \(reason)" }
    }

    private let capacity: Int
    private let state = Mutex<(deliveries: [Delivery], closedReason: String?)>(([], nil))
    private let pending = Atomic<Int>(0)

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// Posts a dose or mark; the recorder answers `ticket`. Throws `Closed` when it cannot take it.
    func post(_ entry: Entry, ticket: EventTicket) throws {
        try post(Delivery(entry: entry, ticket: ticket))
    }

    /// Posts an entry nobody waits for (gaps, from the acquisition thread; the config's weight at start).
    func post(_ entry: Entry) {
        try? post(Delivery(entry: entry, ticket: nil))
    }

    private func post(_ delivery: Delivery) throws {
        try state.withLock { state in
            if let reason = state.closedReason { throw Closed(reason: reason) }
            guard state.deliveries.count < capacity else { throw Closed(reason: "\(capacity) events are already waiting") }
            state.deliveries.append(delivery)
        }
        pending.wrappingAdd(1, ordering: .releasing)
    }

    /// Recorder thread: hands over everything waiting (nothing, cheaply, when empty).
    func take() -> [Delivery] {
        // Pairs with the `.releasing` add in `post`.
        guard pending.load(ordering: .acquiring) > 0 else { return [] }
        let taken = state.withLock { state in
            defer { state.deliveries.removeAll(keepingCapacity: true) }
            return state.deliveries
        }
        pending.wrappingSubtract(taken.count, ordering: .relaxed)
        return taken
    }

    /// Refuses later posts and fails any still waiting.
    func close(reason: String) {
        let orphans = state.withLock { state in
            state.closedReason = reason
            defer { state.deliveries.removeAll() }
            return state.deliveries
        }
        for delivery in orphans { delivery.ticket?.refuse(Closed(reason: reason).description) }
    }
}
