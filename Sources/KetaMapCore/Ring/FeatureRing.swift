import Synchronization

/// A preallocated single-producer, single-consumer ring of fixed-width rows of
/// `Float`, each with a small header: how the processing thread hands LFP,
/// band power, spike snippets and channel figures to the recorder.
///
/// A full ring refuses the row and counts it in `droppedRows`: never silent,
/// never blocking the producer.
public final class FeatureRing<Header: BitwiseCopyable>: @unchecked Sendable {
    /// Floats per row.
    public let rowWidth: Int
    /// Rows the ring holds; a power of two.
    public let capacityRows: Int

    private let mask: Int
    private let headers: UnsafeMutablePointer<Header>
    private let rows: UnsafeMutablePointer<Float>
    /// Rows pushed (producer writes, consumer reads).
    private let pushed = Atomic<Int>(0)
    /// Rows popped (consumer writes, producer reads).
    private let popped = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let producerThread = ThreadOwnership(role: "FeatureRing producer")
    private let consumerThread = ThreadOwnership(role: "FeatureRing consumer")

    /// Creates a ring of at least `minimumRows` rows of `rowWidth` floats.
    public init(rowWidth: Int, minimumRows: Int) {
        precondition(rowWidth >= 0 && minimumRows > 0)
        self.rowWidth = rowWidth
        var capacity = 1
        while capacity < minimumRows { capacity <<= 1 }
        capacityRows = capacity
        mask = capacity - 1
        headers = .allocate(capacity: capacity)
        rows = .allocate(capacity: max(1, capacity * rowWidth))
        rows.initialize(repeating: 0, count: max(1, capacity * rowWidth))
    }

    deinit {
        headers.deallocate()
        rows.deallocate()
    }

    /// Rows refused because the consumer had not made room.
    public var droppedRows: Int { dropped.load(ordering: .relaxed) }

    /// Rows waiting to be popped.
    public var count: Int { pushed.load(ordering: .acquiring) - popped.load(ordering: .acquiring) }

    /// Producer thread only. `fill` writes the row in place; returns `false`
    /// (and counts a dropped row) when the ring is full.
    @discardableResult
    public func push(_ header: Header, fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> Bool {
        producerThread.check()
        let head = pushed.load(ordering: .relaxed)
        // Pairs with the `.releasing` store of `popped` in `pop`: the consumer is done with the slot.
        guard head - popped.load(ordering: .acquiring) < capacityRows else {
            dropped.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        let slot = head & mask
        headers[slot] = header
        fill(UnsafeMutableBufferPointer(start: rows + slot * rowWidth, count: rowWidth))
        // Pairs with the `.acquiring` load of `pushed` in `pop`.
        pushed.store(head + 1, ordering: .releasing)
        return true
    }

    /// Consumer thread only. Hands the oldest row to `body` and frees it;
    /// returns `false` when the ring is empty.
    @discardableResult
    public func pop(_ body: (Header, UnsafeBufferPointer<Float>) throws -> Void) rethrows -> Bool {
        consumerThread.check()
        let tail = popped.load(ordering: .relaxed)
        // Pairs with the `.releasing` store of `pushed` in `push`.
        guard tail < pushed.load(ordering: .acquiring) else { return false }
        let slot = tail & mask
        try body(headers[slot], UnsafeBufferPointer(start: rows + slot * rowWidth, count: rowWidth))
        // Pairs with the `.acquiring` load of `popped` in `push`.
        popped.store(tail + 1, ordering: .releasing)
        return true
    }
}
