import Foundation
import KetaMapAcquisition
import KetaMapCore
import Logging
import ServiceLifecycle

/// The recorder thread, the only thread that calls HDF5: raw frames from its
/// ring cursor, features from the processor, doses, marks and gaps from the
/// mailbox, all into the session file; flushes at the configured cadence and
/// right after every dose or mark (which are acknowledged only then).
///
/// On graceful shutdown (after acquisition and processing have stopped) it
/// drains everything left, then closes the file (recording the fault, if any).
final class RecorderService: Service, @unchecked Sendable {
    private let sink: any SessionSink
    private let cursor: RingCursor
    private let ring: SampleRing
    private let features: (any FeatureSource)?
    private let mailbox: RecorderMailbox
    private let board: StatusBoard
    private let monitor: StageMonitor
    private let flushSeconds: Double
    private let blockFrames: Int
    private let onFirstBlockStored: @Sendable () -> Void
    private let logger: Logger
    private let finishing = StopFlag()
    private let highWater: HighWaterMark

    /// Seconds between rows of the clock table.
    static let clockTableSeconds = 5.0

    init(
        sink: any SessionSink, cursor: RingCursor, ring: SampleRing, features: (any FeatureSource)?, mailbox: RecorderMailbox,
        board: StatusBoard, monitor: StageMonitor, flushSeconds: Double, blockFrames: Int, logger: Logger,
        onFirstBlockStored: @escaping @Sendable () -> Void
    ) {
        self.sink = sink
        self.cursor = cursor
        self.ring = ring
        self.features = features
        self.mailbox = mailbox
        self.board = board
        self.monitor = monitor
        self.flushSeconds = flushSeconds
        self.blockFrames = blockFrames
        self.logger = logger
        self.onFirstBlockStored = onFirstBlockStored
        highWater = board.highWater[ring.cursors.firstIndex { $0 === cursor }!]
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

    private func record() throws {
        let channels = ring.channelCount
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: blockFrames * channels)
        let zeros = UnsafeMutableBufferPointer<Int16>.allocate(capacity: blockFrames * channels)
        zeros.initialize(repeating: 0)
        defer {
            buffer.deallocate()
            zeros.deallocate()
        }
        var nextFlush = MonotonicClock.seconds() + flushSeconds
        var nextClockRow = MonotonicClock.seconds()
        var storedAny = false
        let heartbeat = monitor.heartbeat(.recording)
        while true {
            heartbeat.beat()
            let done = finishing.isRaised  // read before the ring, so nothing published before it is missed
            try deliverMail()
            let read = cursor.read(into: buffer, maxFrames: blockFrames)
            highWater.record(cursor.backlogFrames)
            if !read.lost.isEmpty {
                try writeZeros(UInt64(read.lost.count), from: zeros)
                let gap = AcquisitionGap(firstSample: read.lost.lowerBound, sampleCount: UInt64(read.lost.count), cause: .ringOverrun, isExact: true)
                try sink.addGap(gap)
                board.update { $0.gapCount += 1; $0.lostFrames += gap.sampleCount }
                logger.error("recorder fell a ring behind", metadata: .gap(gap, at: .recording))
            }
            if read.frameCount > 0 {
                try sink.appendRaw(UnsafeBufferPointer(rebasing: buffer[0..<read.frameCount * channels]))
                board.setFramesWritten(sink.framesWritten)
                if !storedAny {
                    storedAny = true
                    try sink.flush()
                    onFirstBlockStored()
                }
            }
            let featureRows = try features?.drain(into: sink) ?? 0
            let now = MonotonicClock.seconds()
            if now >= nextClockRow {
                try sink.addClockSample(sampleIndex: ring.writeIndex, wallClock: Date(), monotonicSeconds: now)
                nextClockRow = now + Self.clockTableSeconds
            }
            if now >= nextFlush {
                try sink.flush()
                nextFlush = now + flushSeconds
            }
            if read.frameCount == 0 && read.lost.isEmpty && featureRows == 0 {
                if done && cursor.backlogFrames == 0 { break }
                MonotonicClock.sleep(microseconds: 1000)
            }
        }
        mailbox.close(reason: "the session is closing")
        try deliverMail()
        try sink.close(fault: monitor.faults.reason)
        logger.info("session file closed", metadata: ["frames": "\(sink.framesWritten)"])
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
                case .gap(let gap):
                    try sink.addGap(gap)
                    board.update { $0.gapCount += 1; $0.lostFrames += gap.sampleCount }
                }
            }
            try sink.flush()
        } catch {
            result = .failure(error)
        }
        for delivery in deliveries { delivery.ticket?.complete(result) }
        try result.get()
    }

    private func writeZeros(_ count: UInt64, from zeros: UnsafeMutableBufferPointer<Int16>) throws {
        var remaining = count
        let channels = ring.channelCount
        while remaining > 0 {
            let frames = Int(min(remaining, UInt64(blockFrames)))
            try sink.appendRaw(UnsafeBufferPointer(rebasing: zeros[0..<frames * channels]))
            remaining -= UInt64(frames)
        }
    }
}

/// Where processed features wait for the recorder (the processor's rings).
protocol FeatureSource: Sendable {
    /// Recorder thread: writes every waiting row to `sink`; returns how many.
    func drain(into sink: any SessionSink) throws -> Int
}
