import KetaMapCore
import Logging
import ServiceLifecycle
import KetaMapDSP

/// The processing thread: reads blocks through its ring cursor, runs the
/// signal processor on them in place, and posts the channel figures it
/// produces (about twice a second) to the status board.
///
/// On graceful shutdown (after acquisition has stopped) it processes what is
/// left in the ring, then returns.
final class SignalProcessingService: Service, @unchecked Sendable {
    private let processor: SignalProcessor
    private let cursor: RingCursor
    private let ring: SampleRing
    private let board: StatusBoard
    private let monitor: StageMonitor
    private let logger: Logger
    private let finishing = StopFlag()
    private let highWater: HighWaterMark
    /// Session row of the stream's first channel (its figures' place on the board).
    private let channelOffset: Int
    /// The stream's name in a session of several (its thread, heartbeat and fault say it).
    private let stream: String?

    init(
        processor: SignalProcessor, cursor: RingCursor, ring: SampleRing, board: StatusBoard, monitor: StageMonitor, logger: Logger,
        channelOffset: Int = 0, stream: String? = nil
    ) {
        self.processor = processor
        self.channelOffset = channelOffset
        self.stream = stream
        self.cursor = cursor
        self.ring = ring
        self.board = board
        self.monitor = monitor
        var logger = logger
        if let stream { logger[metadataKey: "stream"] = "\(stream)" }
        self.logger = logger
        highWater = board.highWater(for: cursor)
    }

    func run() async throws {
        try await monitor.run(.processing, stream: stream, stoppingWith: finishing) { [self] in process() }
    }

    private func process() {
        let channels = ring.channelCount
        let blockFrames = processor.maxBlockFrames
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: blockFrames * channels)
        defer { buffer.deallocate() }
        let heartbeat = monitor.heartbeat(.processing, stream: stream)
        while true {
            heartbeat.beat()
            let done = finishing.isRaised  // read before the ring, so nothing published before it is missed
            let read = cursor.read(into: buffer, maxFrames: blockFrames)
            highWater.record(cursor.backlogFrames)
            if !read.lost.isEmpty {
                // Filters must not run across a hole: restart their state at the new position.
                processor.reset(atSample: read.firstSample)
                // Only the features are lost here (NaN rows); the recorder has its own cursor.
                let skipped = AcquisitionGap(firstSample: read.lost.lowerBound, sampleCount: UInt64(read.lost.count), cause: .ringOverrun, isExact: true)
                logger.error("processing fell a ring behind", metadata: .gap(skipped, at: .processing))
            }
            if read.frameCount > 0 {
                processor.process(UnsafeBufferPointer(rebasing: buffer[0..<read.frameCount * channels]), firstSample: read.firstSample)
                publishFigures(droppedRows: processor.droppedFeatureRows)
            } else if done {
                return
            } else {
                MonotonicClock.sleep(microseconds: 500)
            }
        }
    }

    /// Copies the newest channel figures, if any, to the board (never waiting for its lock).
    private func publishFigures(droppedRows: Int) {
        while processor.channelFigures.pop({ _, row in
            board.tryUpdate { status in
                status.channels.update(fromFiguresRow: row, offset: channelOffset)
                status.channels.updateBandPower(from: processor, offset: channelOffset)
                status.droppedFeatureRows = droppedRows
            }
        }) {}
    }
}
