import Foundation
import Synchronization
import Testing

@testable import KetaMapCore

/// The value the producer writes for `channel` of frame `index`: every sample
/// carries its own index, so a consumer can check order and integrity.
private func tag(_ index: UInt64, _ channel: Int) -> Int16 {
    Int16(truncatingIfNeeded: index &* 31 &+ UInt64(channel))
}

/// What one consumer saw: the ranges it read and the ranges it was told it lost.
private struct Observation: Sendable {
    var read: [Range<UInt64>] = []
    var lost: [Range<UInt64>] = []
    var corrupt = 0

    /// Read and lost ranges, in order, must tile `0..<end` with no hole or overlap.
    func tiles(upTo end: UInt64) -> Bool {
        let all = (read + lost).filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var next: UInt64 = 0
        for range in all {
            guard range.lowerBound == next else { return false }
            next = range.upperBound
        }
        return next == end
    }
}

/// Drains `cursor` until `done` is set and everything published is read,
/// pausing `pauseMicroseconds` after each read.
private func consume(_ cursor: RingCursor, ring: SampleRing, done: Flag, pauseMicroseconds: UInt32) -> Observation {
    let channels = ring.channelCount
    let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 256 * channels)
    defer { buffer.deallocate() }
    var seen = Observation()
    while true {
        let finished = done.isRaised
        let result = cursor.read(into: buffer, maxFrames: 256)
        if !result.lost.isEmpty { seen.lost.append(result.lost) }
        if result.frameCount > 0 {
            seen.read.append(result.firstSample..<result.firstSample + UInt64(result.frameCount))
            for frame in 0..<result.frameCount {
                for channel in 0..<channels where buffer[frame * channels + channel] != tag(result.firstSample + UInt64(frame), channel) {
                    seen.corrupt += 1
                }
            }
        } else if finished {
            return seen
        }
        if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
    }
}

/// The producer's "no more frames" signal to the consumer threads.
private final class Flag: Sendable {
    private let raised = Atomic<Bool>(false)
    func raise() { raised.store(true, ordering: .releasing) }
    var isRaised: Bool { raised.load(ordering: .acquiring) }
}

/// Where consumer threads leave their observations.
private final class Observations: Sendable {
    let slots: Mutex<[Observation]>
    init(count: Int) { slots = Mutex([Observation](repeating: Observation(), count: count)) }
}

/// Runs one producer writing `totalFrames` in blocks of `blockFrames`, and one
/// thread per cursor, and returns what each cursor observed.
private func runStress(
    channels: Int, ringFrames: Int, totalFrames: UInt64, blockFrames: Int, pauses: [UInt32], waitForRoom: Bool
) -> [Observation] {
    let ring = SampleRing(channelCount: channels, minimumFrames: ringFrames, consumers: pauses.indices.map { "consumer \($0)" })
    let done = Flag()
    let results = Observations(count: pauses.count)
    let group = DispatchGroup()
    for (index, pause) in pauses.enumerated() {
        let thread = Thread {
            let observation = consume(ring.cursors[index], ring: ring, done: done, pauseMicroseconds: pause)
            results.slots.withLock { $0[index] = observation }
            group.leave()
        }
        group.enter()
        thread.start()
    }
    let block = UnsafeMutableBufferPointer<Int16>.allocate(capacity: blockFrames * channels)
    defer { block.deallocate() }
    var next: UInt64 = 0
    while next < totalFrames {
        let frames = Int(min(UInt64(blockFrames), totalFrames - next))
        for frame in 0..<frames {
            for channel in 0..<channels { block[frame * channels + channel] = tag(next + UInt64(frame), channel) }
        }
        if waitForRoom {
            #expect(ring.waitForRoom(frameCount: frames, shouldStop: { false }))
        }
        ring.write(UnsafeBufferPointer(rebasing: block[0..<frames * channels]))
        next += UInt64(frames)
    }
    done.raise()
    group.wait()
    return results.slots.withLock { $0 }
}

@Suite("SampleRing")
struct SampleRingTests {
    #if DEBUG  // the hook between copy and check exists in debug builds only
    @Test("a copy the producer overwrote while it ran is reported lost, and the cursor copies again further on")
    func tornCopyIsDetected() throws {
        let ring = SampleRing(channelCount: 2, minimumFrames: 1024, consumers: ["torn"])
        let capacity = UInt64(ring.capacityFrames)
        var next: UInt64 = 0
        func produce(_ frames: UInt64) {
            let block = (next..<next + frames).flatMap { index in (0..<2).map { tag(index, $0) } }
            block.withUnsafeBufferPointer { ring.write($0) }
            next += frames
        }
        produce(capacity)
        let cursor = ring.cursors[0]
        var overwrites = 0
        // During the first copy (frames 0..<capacity/4), the producer claims and
        // writes half a ring more: the slots being copied are overwritten.
        cursor.afterCopyForTesting = {
            guard overwrites == 0 else { return }
            overwrites += 1
            produce(capacity / 4)
            produce(capacity / 4)
        }
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: Int(capacity / 4) * 2)
        defer { buffer.deallocate() }
        let read = cursor.read(into: buffer, maxFrames: Int(capacity / 4))
        #expect(overwrites == 1)
        let safeFrom = next - capacity  // the oldest frame the producer cannot have touched
        #expect(read.lost == 0..<read.firstSample)
        #expect(read.firstSample == safeFrom + capacity / 4)
        #expect(read.frameCount == Int(capacity / 4))
        let intact = (0..<read.frameCount).allSatisfy { frame in
            (0..<2).allSatisfy { buffer[frame * 2 + $0] == tag(read.firstSample + UInt64(frame), $0) }
        }
        #expect(intact)
    }
    #endif

    @Test("a cursor reads back every frame in order when it keeps up")
    func readsBackInOrder() {
        let ring = SampleRing(channelCount: 3, minimumFrames: 10, consumers: ["recorder"])
        #expect(ring.capacityFrames == 16)
        let frames = (0..<12).flatMap { i in (0..<3).map { tag(UInt64(i), $0) } }
        frames.withUnsafeBufferPointer { ring.write($0) }
        var out = [Int16](repeating: 0, count: 3 * 16)
        let result = out.withUnsafeMutableBufferPointer { ring.cursors[0].read(into: $0, maxFrames: 100) }
        #expect(result == RingRead(firstSample: 0, frameCount: 12, lost: 0..<0))
        #expect(Array(out[0..<36]) == frames)
        #expect(ring.cursors[0].position == 12)
    }

    @Test("a cursor a whole ring behind learns exactly which frames it lost")
    func reportsExactLoss() {
        let ring = SampleRing(channelCount: 2, minimumFrames: 8, consumers: ["slow"])
        for i in 0..<20 {
            let frame = [tag(UInt64(i), 0), tag(UInt64(i), 1)]
            frame.withUnsafeBufferPointer { ring.write($0) }
        }
        var out = [Int16](repeating: 0, count: 2 * 8)
        let result = out.withUnsafeMutableBufferPointer { ring.cursors[0].read(into: $0, maxFrames: 8) }
        // 20 written, 8 held: frames 12..<20 survive; the cursor resumes a quarter ring later.
        #expect(result.lost == 0..<14)
        #expect(result.firstSample == 14)
        #expect(result.frameCount == 6)
        #expect(out[0] == tag(14, 0) && out[11] == tag(19, 1))
    }

    @Test("zeros written for a device overrun advance the sample clock")
    func zerosAdvanceTheClock() {
        let ring = SampleRing(channelCount: 2, minimumFrames: 64, consumers: ["recorder"])
        [Int16](repeating: 7, count: 4).withUnsafeBufferPointer { ring.write($0) }
        ring.writeZeros(frameCount: 5)
        #expect(ring.writeIndex == 7)
        var out = [Int16](repeating: -1, count: 2 * 64)
        let result = out.withUnsafeMutableBufferPointer { ring.cursors[0].read(into: $0, maxFrames: 64) }
        #expect(result.frameCount == 7)
        #expect(out[0..<4].allSatisfy { $0 == 7 } && out[4..<14].allSatisfy { $0 == 0 })
    }

    @Test("under concurrent stress every cursor sees each frame intact or reported lost")
    func concurrentStress() {
        // A fast, a jittery and a slow consumer over a small ring, so the slow one is lapped.
        let total: UInt64 = 400_000
        let seen = runStress(channels: 5, ringFrames: 4096, totalFrames: total, blockFrames: 97, pauses: [0, 20, 2000], waitForRoom: false)
        for observation in seen {
            #expect(observation.corrupt == 0)
            #expect(observation.tiles(upTo: total))
        }
        #expect(seen[0].lost.isEmpty || seen[0].lost.allSatisfy { $0.count > 0 })
        #expect(!seen[2].lost.isEmpty, "the slow consumer must have been lapped")
    }

    @Test("waiting for room loses nothing, even for a slow consumer")
    func waitingForRoomLosesNothing() {
        let total: UInt64 = 50_000
        let seen = runStress(channels: 4, ringFrames: 1024, totalFrames: total, blockFrames: 64, pauses: [0, 100], waitForRoom: true)
        for observation in seen {
            #expect(observation.corrupt == 0)
            #expect(observation.lost.isEmpty)
            #expect(observation.tiles(upTo: total))
        }
    }
}
