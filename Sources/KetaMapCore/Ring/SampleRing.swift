import Synchronization

/// A preallocated ring of interleaved `Int16` frames with one producer (the
/// acquisition thread) and a fixed set of consumers, each with its own cursor.
///
/// Indices are sample indices since session start and never wrap; a frame's
/// slot is `index & mask`.
///
/// ```
///            oldest readable                 published (next frame to write)
///                  │                                 │
///   slots:  ┌──────▼─────────────────────────────────▼──────┐
///           │ ...  │ recorder ▲     │ processor ▲     │ free │
///           └──────────────────────────────────────────────-┘
///           each cursor reads [cursor, published); the producer
///           never waits for a cursor (except in as-fast-as-possible
///           mode): a cursor more than `capacityFrames` behind has
///           lost frames and is told exactly which.
/// ```
///
/// The producer claims the frames it is about to overwrite (`claimed`) before
/// writing them and publishes them (`published`) after. A consumer copies
/// frames, then reads `claimed` again: any frame the producer may have touched
/// during the copy is reported as lost instead of being returned torn.
public final class SampleRing: @unchecked Sendable {
    /// Channels per frame.
    public let channelCount: Int
    /// Frames the ring holds; a power of two.
    public let capacityFrames: Int
    /// The consumers, fixed at creation.
    public private(set) var cursors: [RingCursor] = []

    private let mask: UInt64
    private let slots: UnsafeMutablePointer<Int16>
    /// One past the newest frame the producer may be writing.
    let claimed = Atomic<UInt64>(0)
    /// One past the newest complete frame.
    let published = Atomic<UInt64>(0)
    private let producerThread = ThreadOwnership(role: "SampleRing producer")

    /// Creates a ring of at least `minimumFrames` frames (rounded up to a power
    /// of two) with one cursor per name in `consumers`.
    public init(channelCount: Int, minimumFrames: Int, consumers: [String]) {
        precondition(channelCount > 0 && minimumFrames > 0, "a ring holds at least one frame of one channel")
        self.channelCount = channelCount
        var capacity = 1
        while capacity < minimumFrames { capacity <<= 1 }
        capacityFrames = capacity
        mask = UInt64(capacity - 1)
        slots = .allocate(capacity: capacity * channelCount)
        slots.initialize(repeating: 0, count: capacity * channelCount)
        cursors = consumers.map { RingCursor(name: $0, ring: self) }
    }

    deinit {
        slots.deallocate()
    }

    /// Index of the next frame the producer will write (the number of frames written).
    public var writeIndex: UInt64 {
        // Pairs with the `.releasing` store in `publish(_:)`.
        published.load(ordering: .acquiring)
    }

    // MARK: - Producer (acquisition thread only)

    /// Appends whole frames. Never waits and never allocates.
    ///
    /// Acquisition thread only; debug builds trap on a second producer thread.
    public func write(_ frames: UnsafeBufferPointer<Int16>) {
        precondition(frames.count % channelCount == 0, "write takes whole frames")
        producerThread.check()
        var remaining = frames.count / channelCount
        var source = frames.baseAddress!
        while remaining > 0 {
            let n = min(remaining, maximumClaim)
            let start = claim(n)
            copyIn(from: source, frames: n, at: start)
            publish(start + UInt64(n))
            source += n * channelCount
            remaining -= n
        }
    }

    /// Appends `frameCount` frames of zeros, standing for samples that were lost
    /// before they reached the ring (a device overrun).
    ///
    /// Acquisition thread only.
    public func writeZeros(frameCount: UInt64) {
        producerThread.check()
        var remaining = frameCount
        while remaining > 0 {
            let n = Int(min(remaining, UInt64(maximumClaim)))
            let start = claim(n)
            forEachSlotRange(from: start, frames: n) { slot, count in
                (slots + slot * channelCount).update(repeating: 0, count: count * channelCount)
            }
            publish(start + UInt64(n))
            remaining -= UInt64(n)
        }
    }

    /// Waits, sleeping `pollMicroseconds` between checks, until every cursor has
    /// room for `frameCount` more frames or `shouldStop` says to give up.
    /// Used only in as-fast-as-possible mode, where nothing may be lost.
    ///
    /// Acquisition thread only. Returns `false` if it gave up.
    public func waitForRoom(frameCount: Int, pollMicroseconds: UInt32 = 200, shouldStop: () -> Bool) -> Bool {
        precondition(frameCount <= capacityFrames, "a write larger than the ring can never fit")
        let end = writeIndex + UInt64(frameCount)
        while let slowest = cursors.lazy.map({ $0.position }).min(), end - slowest > UInt64(capacityFrames) {
            if shouldStop() { return false }
            MonotonicClock.sleep(microseconds: pollMicroseconds)
        }
        return true
    }

    /// Frames claimed at once: at most a quarter ring, so that a consumer that
    /// skips ahead after a torn copy (see `RingCursor.read`) never passes `published`.
    private var maximumClaim: Int { max(1, capacityFrames / 4) }

    private func claim(_ frameCount: Int) -> UInt64 {
        // Acquire part: the slot writes that follow cannot move before the claim,
        // so a consumer that sees an old `claimed` saw none of them.
        claimed.wrappingAdd(UInt64(frameCount), ordering: .acquiringAndReleasing).oldValue
    }

    private func publish(_ end: UInt64) {
        // Pairs with the `.acquiring` load in `writeIndex` and `RingCursor.read`.
        published.store(end, ordering: .releasing)
    }

    private func copyIn(from source: UnsafePointer<Int16>, frames: Int, at start: UInt64) {
        var offset = 0
        forEachSlotRange(from: start, frames: frames) { slot, count in
            (slots + slot * channelCount).update(from: source + offset * channelCount, count: count * channelCount)
            offset += count
        }
    }

    // MARK: - Consumers

    /// Copies frames `[start, start + frames)` into `destination` (the caller
    /// checked they are published).
    func copyOut(into destination: UnsafeMutablePointer<Int16>, from start: UInt64, frames: Int) {
        var offset = 0
        forEachSlotRange(from: start, frames: frames) { slot, count in
            (destination + offset * channelCount).update(from: slots + slot * channelCount, count: count * channelCount)
            offset += count
        }
    }

    /// The first frame index not yet touched by the producer as of now.
    /// Read-don't-modify-write with release semantics, so the consumer's slot
    /// reads before it cannot move after it.
    func claimedAfterCopy() -> UInt64 {
        claimed.wrappingAdd(0, ordering: .acquiringAndReleasing).oldValue
    }

    private func forEachSlotRange(from start: UInt64, frames: Int, _ body: (_ slot: Int, _ count: Int) -> Void) {
        let first = Int(start & mask)
        let firstCount = min(frames, capacityFrames - first)
        body(first, firstCount)
        if firstCount < frames { body(0, frames - firstCount) }
    }
}
