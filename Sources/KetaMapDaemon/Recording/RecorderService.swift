import Foundation
import KetaMapAcquisition
import KetaMapCore
import Logging
import ServiceLifecycle

/// The recorder thread, the only thread that calls HDF5: every stream's raw
/// frames from its ring cursor and features from its processor, doses, marks
/// and gaps from the mailbox, all into the session file; each stream's clock
/// against the session clock every few seconds; flushes at the configured
/// cadence and right after every dose or mark (which are acknowledged only then).
///
/// On graceful shutdown (after acquisition and processing have stopped) it
/// drains everything left, then closes the file (recording the fault, if any).
final class RecorderService: Service, @unchecked Sendable {
    /// What the recorder reads of one stream.
    struct Stream {
        let cursor: RingCursor
        let ring: SampleRing
        let features: (any FeatureSource)?
        let blockFrames: Int
    }

    private let sink: any SessionSink
    private let streams: [Stream]
    private let mailbox: RecorderMailbox
    private let board: StatusBoard
    private let monitor: StageMonitor
    private let clock: SessionClock
    private let flushSeconds: Double
    private let onFirstBlockStored: @Sendable () -> Void
    private let logger: Logger
    private let finishing = StopFlag()
    private let highWater: [HighWaterMark]

    /// Seconds between rows of the clock tables.
    static let clockTableSeconds = 5.0

    init(
        sink: any SessionSink, streams: [Stream], mailbox: RecorderMailbox, board: StatusBoard, monitor: StageMonitor, clock: SessionClock,
        flushSeconds: Double, logger: Logger, onFirstBlockStored: @escaping @Sendable () -> Void
    ) {
        self.sink = sink
        self.streams = streams
        self.mailbox = mailbox
        self.board = board
        self.monitor = monitor
        self.clock = clock
        self.flushSeconds = flushSeconds
        self.logger = logger
        self.onFirstBlockStored = onFirstBlockStored
        highWater = streams.map { board.highWater(for: $0.cursor) }
    }

    func run() async throws {
        try await monitor.run(
            .recording, stoppingWith: finishing,
            cleanUp: { [self] in
                mailbox.close(reason: "recording stopped")
                try? sink.close(fault: monitor.faults.reason)
            }
        ) { [self] in try record() }
    }

    /// A stream's block buffer and a block of zeros, allocated once.
    private struct Buffers {
        let frames: UnsafeMutableBufferPointer<Int16>
        let zeros: UnsafeMutableBufferPointer<Int16>

        init(_ stream: Stream) {
            let samples = stream.blockFrames * stream.ring.channelCount
            frames = .allocate(capacity: samples)
            zeros = .allocate(capacity: samples)
            zeros.initialize(repeating: 0)
        }

        func deallocate() {
            frames.deallocate()
            zeros.deallocate()
        }
    }

    private func record() throws {
        let buffers = streams.map(Buffers.init)
        defer { for buffer in buffers { buffer.deallocate() } }
        var nextFlush = MonotonicClock.seconds() + flushSeconds
        var nextClockRow = MonotonicClock.seconds()
        var clockedIndex = [UInt64](repeating: 0, count: streams.count)  // each stream's sample index at its newest clock row
        var written = [(sample: UInt64, at: Double)](repeating: (0, 0), count: streams.count)  // each ring's write index, when it last moved
        var storedAny = false
        let heartbeat = monitor.heartbeat(.recording)
        while true {
            heartbeat.beat()
            let done = finishing.isRaised  // read before the rings, so nothing published before it is missed
            try deliverMail()
            var moved = 0
            for (index, stream) in streams.enumerated() {
                let buffer = buffers[index]
                let channels = stream.ring.channelCount
                let read = stream.cursor.read(into: buffer.frames, maxFrames: stream.blockFrames)
                highWater[index].record(stream.cursor.backlogFrames)
                if !read.lost.isEmpty {
                    try writeZeros(UInt64(read.lost.count), stream: index, from: buffer.zeros)
                    let gap = AcquisitionGap(firstSample: read.lost.lowerBound, sampleCount: UInt64(read.lost.count), cause: .ringOverrun, isExact: true)
                    try sink.addGap(gap, stream: index)
                    board.recordGap(gap, stream: index)
                    logger.error("recorder fell a ring behind", metadata: Logger.Metadata.gap(gap, at: .recording).merging(["stream": "\(index)"]) { $1 })
                    moved += 1
                }
                if read.frameCount > 0 {
                    try sink.appendRaw(UnsafeBufferPointer(rebasing: buffer.frames[0..<read.frameCount * channels]), stream: index)
                    board.setFramesWritten(sink.framesWritten(stream: index), stream: index)
                    moved += 1
                    if !storedAny {
                        storedAny = true
                        try sink.flush()
                        onFirstBlockStored()
                    }
                }
                moved += try stream.features?.drain(into: sink) ?? 0
            }
            let now = MonotonicClock.seconds()
            for (index, stream) in streams.enumerated() where stream.ring.writeIndex != written[index].sample {
                written[index] = (stream.ring.writeIndex, now)
            }
            // The first rows wait until every stream has delivered (a few seconds at most: a stream
            // that never does is left out), so that the streams' rows are taken together.
            if now >= nextClockRow, let sessionSeconds = clock.seconds(atMonotonic: now),
                sessionSeconds > Self.clockTableSeconds || streams.allSatisfy({ $0.ring.writeIndex > 0 })
            {
                let wallClock = Date()
                // Only a stream whose sample clock ran since its last row is placed: one that has not
                // started has no sample yet, and one that stopped (its frame limit, a fault with
                // on_fault = continue) keeps its last row's offset, so that a time after its stop maps
                // into its gap at its rate instead of onto its last sample. Each is placed when its
                // index last moved: a stream that stopped since its last row gets a row at its stop.
                for index in streams.indices where written[index].sample > clockedIndex[index] {
                    let (sample, at) = written[index]
                    clockedIndex[index] = sample
                    try sink.addClockSample(
                        stream: index, sampleIndex: sample, sessionSeconds: sessionSeconds - (now - at),
                        wallClock: wallClock.addingTimeInterval(at - now), monotonicSeconds: at)
                }
                nextClockRow = now + Self.clockTableSeconds
            }
            if now >= nextFlush {
                try sink.flush()
                nextFlush = now + flushSeconds
            }
            if moved == 0 {
                if done && streams.allSatisfy({ $0.cursor.backlogFrames == 0 }) { break }
                MonotonicClock.sleep(microseconds: 1000)
            }
        }
        mailbox.close(reason: "the session is closing")
        try deliverMail()
        try sink.close(fault: monitor.faults.reason)
        logger.info("session file closed", metadata: ["frames": "\(sink.framesWritten(stream: 0))"])
    }

    /// Writes doses, voids, weights, marks and gaps waiting in the mailbox, flushes, then answers their tickets.
    /// A request already refused (timed out) is skipped.
    private func deliverMail() throws {
        let deliveries = mailbox.take().filter { $0.ticket?.claim() ?? true }
        guard !deliveries.isEmpty else { return }
        var result: Result<Void, any Error> = .success(())
        do {
            for delivery in deliveries {
                switch delivery.entry {
                case .dose(let dose): try sink.addDose(dose)
                case .void(let void): try sink.addVoid(void)
                case .weight(let weight): try sink.addWeight(weight)
                case .mark(let mark): try sink.addMark(mark)
                case .gap(let gap, let stream):
                    try sink.addGap(gap, stream: stream)
                    board.recordGap(gap, stream: stream)
                }
            }
            try sink.flush()
        } catch {
            result = .failure(error)
        }
        for delivery in deliveries { delivery.ticket?.complete(result) }
        try result.get()
    }

    private func writeZeros(_ count: UInt64, stream: Int, from zeros: UnsafeMutableBufferPointer<Int16>) throws {
        var remaining = count
        let channels = streams[stream].ring.channelCount
        while remaining > 0 {
            let frames = Int(min(remaining, UInt64(streams[stream].blockFrames)))
            try sink.appendRaw(UnsafeBufferPointer(rebasing: zeros[0..<frames * channels]), stream: stream)
            remaining -= UInt64(frames)
        }
    }
}

/// Where processed features wait for the recorder (the processor's rings).
protocol FeatureSource: Sendable {
    /// Recorder thread: writes every waiting row to `sink`; returns how many.
    func drain(into sink: any SessionSink) throws -> Int
}
