import Foundation
import KetaMapCore
import Synchronization
import KetaMapControl

/// The latest figures of a running session, for `ketamapctl status`.
///
/// Hot-path threads touch only atomics here (`framesWritten`, the ring's
/// indices, `HighWaterMark`s); the processing thread refreshes channel figures a
/// few times a second with `tryUpdate`, which never waits for the lock.
public final class StatusBoard: Sendable {
    private let status: Mutex<SessionStatus>
    /// Every stream's ring with its name (nil for the one stream of a single-source session).
    private let rings: [(name: String?, ring: SampleRing)]
    /// Frames stored in the file, per stream.
    private let written: [FrameCounter]
    /// The most frames ever waiting, per ring cursor (stream after stream, each in `ring.cursors` order).
    private let highWater: [HighWaterMark]

    init(initial: SessionStatus, rings: [(name: String?, ring: SampleRing)]) {
        status = Mutex(initial)
        self.rings = rings
        written = rings.map { _ in FrameCounter() }
        highWater = rings.flatMap { $0.ring.cursors.map { _ in HighWaterMark() } }
    }

    convenience init(initial: SessionStatus, ring: SampleRing) { self.init(initial: initial, rings: [(nil, ring)]) }

    /// The high-water mark of `cursor` (of any stream's ring).
    func highWater(for cursor: RingCursor) -> HighWaterMark {
        var index = 0
        for (_, ring) in rings {
            if let position = ring.cursors.firstIndex(where: { $0 === cursor }) { return highWater[index + position] }
            index += ring.cursors.count
        }
        preconditionFailure("cursor \(cursor.name) belongs to none of the session's rings")
    }

    /// Recorder thread: frames of stream `stream` stored in the file so far.
    func setFramesWritten(_ frames: UInt64, stream: Int = 0) { written[stream].value.store(frames, ordering: .relaxed) }

    /// Recorder thread, off the hot path: counts a gap of stream `stream`.
    func recordGap(_ gap: AcquisitionGap, stream: Int) {
        update { status in
            status.gapCount += 1
            status.lostFrames += gap.sampleCount
            if status.streams?.indices.contains(stream) == true {
                status.streams![stream].gapCount += 1
                status.streams![stream].lostFrames += gap.sampleCount
            }
        }
    }

    /// Any thread, off the hot path.
    func update(_ body: (inout SessionStatus) -> Void) { status.withLock { body(&$0) } }

    /// Hot-path threads: applies `body` only if nobody holds the lock right now.
    func tryUpdate(_ body: (inout SessionStatus) -> Void) {
        _ = status.withLockIfAvailable { body(&$0) }
    }

    /// A consistent copy with the live counters filled in.
    public func snapshot() -> SessionStatus {
        var copy = status.withLock { $0 }
        copy.newestSample = rings[0].ring.writeIndex
        copy.recordedSeconds = Double(copy.newestSample) / copy.sampleRateHz
        copy.secondsSinceLastDose = copy.dosing.lastDoseSeconds.map { max(0, copy.recordedSeconds - $0) }
        copy.framesWritten = written[0].value.load(ordering: .relaxed)
        if var streams = copy.streams {
            for index in streams.indices where rings.indices.contains(index) {
                streams[index].newestSample = rings[index].ring.writeIndex
                streams[index].framesWritten = written[index].value.load(ordering: .relaxed)
            }
            copy.streams = streams
        }
        copy.buffers = rings.flatMap { name, ring in
            ring.cursors.map { cursor in
                BufferStatus(
                    consumer: name.map { "\($0) \(cursor.name)" } ?? cursor.name, backlogFrames: cursor.backlogFrames,
                    highWaterFrames: highWater(for: cursor).value, capacityFrames: ring.capacityFrames)
            }
        }
        if let size = try? FileManager.default.attributesOfItem(atPath: copy.filePath)[.size] as? NSNumber {
            copy.fileBytes = size.uint64Value
        }
        if let free = DiskBudget.freeBytes(in: (copy.filePath as NSString).deletingLastPathComponent) {
            copy.diskFreeBytes = UInt64(free)
            copy.diskHoursLeft = copy.bytesPerSecond > 0 ? free / copy.bytesPerSecond / 3600 : nil
        }
        ChannelHealth.flag(&copy.channels)
        return copy
    }
}

/// A count one thread stores and any thread reads.
final class FrameCounter: Sendable {
    let value = Atomic<UInt64>(0)
}

/// The largest value ever recorded, updated lock-free by one thread.
final class HighWaterMark: Sendable {
    private let highest = Atomic<UInt64>(0)

    func record(_ value: UInt64) {
        if value > highest.load(ordering: .relaxed) { highest.store(value, ordering: .relaxed) }
    }

    var value: UInt64 { highest.load(ordering: .relaxed) }
}
