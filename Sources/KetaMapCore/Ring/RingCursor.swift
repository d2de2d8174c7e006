import Synchronization

/// What one `RingCursor.read` returned.
public struct RingRead: Sendable, Equatable {
    /// Sample index of the first frame copied.
    public var firstSample: UInt64
    /// Frames copied into the destination.
    public var frameCount: Int
    /// Frames this cursor lost before `firstSample` because it fell a ring
    /// behind; empty when nothing was lost.
    public var lost: Range<UInt64>

    public init(firstSample: UInt64, frameCount: Int, lost: Range<UInt64>) {
        self.firstSample = firstSample
        self.frameCount = frameCount
        self.lost = lost
    }
}

/// One consumer's position in a `SampleRing`.
///
/// Each cursor has exactly one consumer thread; debug builds trap on a second.
public final class RingCursor: @unchecked Sendable {
    /// Who reads through this cursor (for status and logs).
    public let name: String
    private unowned let ring: SampleRing
    /// Next frame this cursor will read. Written only by its consumer; read by
    /// the producer in as-fast-as-possible mode and by status.
    private let next = Atomic<UInt64>(0)
    private let consumerThread: ThreadOwnership
    #if DEBUG
    /// Tests only: runs between a copy and the check of what the producer
    /// claimed meanwhile, so that a test can overwrite the frames being copied.
    var afterCopyForTesting: (() -> Void)?
    #endif

    init(name: String, ring: SampleRing) {
        self.name = name
        self.ring = ring
        consumerThread = ThreadOwnership(role: "RingCursor \(name) consumer")
    }

    /// The next sample index this cursor will read.
    public var position: UInt64 {
        // Pairs with the `.releasing` store in `read(into:maxFrames:)`.
        next.load(ordering: .acquiring)
    }

    /// Frames published but not yet read by this cursor.
    public var backlogFrames: UInt64 {
        ring.writeIndex &- position
    }

    /// Copies up to `maxFrames` frames (and at most what `destination` holds)
    /// starting at this cursor's position, and advances it. Never waits: returns
    /// zero frames when nothing new is published.
    ///
    /// If the producer overwrote frames this cursor had not read, the result
    /// names them in `lost` and the copy starts a quarter ring after the
    /// oldest surviving frame, so the producer does not overtake it again at once.
    ///
    /// Consumer thread only; never allocates.
    public func read(into destination: UnsafeMutableBufferPointer<Int16>, maxFrames: Int) -> RingRead {
        consumerThread.check()
        let channels = ring.channelCount
        let capacity = UInt64(ring.capacityFrames)
        let requested = min(maxFrames, destination.count / channels)
        let lostFrom = next.load(ordering: .relaxed)
        var start = lostFrom
        while true {
            let end = ring.writeIndex
            if end - start > capacity {
                start = end - capacity + capacity / 4
            }
            let count = Int(min(end - start, UInt64(requested)))
            guard count > 0 else { break }
            ring.copyOut(into: destination.baseAddress!, from: start, frames: count)
            #if DEBUG
            afterCopyForTesting?()
            #endif
            let claimed = ring.claimedAfterCopy()
            // Frames below `claimed - capacity` may have been overwritten during the copy.
            let safeFrom = claimed > capacity ? claimed - capacity : 0
            if safeFrom <= start {
                finish(at: start + UInt64(count))
                return RingRead(firstSample: start, frameCount: count, lost: lostFrom..<start)
            }
            start = safeFrom + capacity / 4  // torn copy: skip ahead and copy again
        }
        finish(at: start)
        return RingRead(firstSample: start, frameCount: 0, lost: lostFrom..<start)
    }

    private func finish(at index: UInt64) {
        // Pairs with the `.acquiring` load in `position`.
        next.store(index, ordering: .releasing)
    }
}
