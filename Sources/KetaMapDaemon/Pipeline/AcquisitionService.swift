import KetaMapAcquisition
import KetaMapCore
import Logging
import ServiceLifecycle

/// The acquisition thread: reads blocks from the source and writes them to the
/// ring. In real time it never waits for a consumer; in as-fast-as-possible
/// mode it waits for ring room, so nothing is lost. Returns (ending the
/// session) after `frameLimit` frames, at the end of a replay, or on stop.
final class AcquisitionService: Service, @unchecked Sendable {
    private let source: any Source
    private let ring: SampleRing
    private let mailbox: RecorderMailbox
    private let board: StatusBoard
    private let monitor: StageMonitor
    private let frameLimit: UInt64?
    private let waitsForRoom: Bool
    private let realTimePriority: Bool
    private let blockFrames: Int
    private let schedule: ScheduleBarrier
    private let logger: Logger
    private let stop = StopFlag()

    init(
        source: any Source, ring: SampleRing, mailbox: RecorderMailbox, board: StatusBoard, monitor: StageMonitor, frameLimit: UInt64?,
        waitsForRoom: Bool, realTimePriority: Bool, blockFrames: Int, schedule: ScheduleBarrier, logger: Logger
    ) {
        self.source = source
        self.ring = ring
        self.mailbox = mailbox
        self.board = board
        self.monitor = monitor
        self.frameLimit = frameLimit
        self.waitsForRoom = waitsForRoom
        self.realTimePriority = realTimePriority
        self.blockFrames = min(blockFrames, ring.capacityFrames / 4)
        self.schedule = schedule
        self.logger = logger
    }

    func run() async throws {
        try await monitor.run(.acquisition, stoppingWith: stop) { [self] in
            if realTimePriority { raisePriority() }
            try acquire()
        }
    }

    /// Real time with a card only (`PipelinePlan.realTimePriority`): as fast as
    /// possible, or computing a simulation, the thread would run flat out at a
    /// priority nothing else on the machine could preempt.
    private func raisePriority() {
        let priority = RealTimeScheduling.acquisitionPriority
        do {
            try RealTimeScheduling.raiseCurrentThread(priority: priority)
            logger.info("acquisition thread at real-time priority", metadata: ["policy": "SCHED_FIFO", "priority": "\(priority)"])
        } catch {
            logger.warning(
                "real-time priority refused; acquisition runs at normal priority and recording goes on",
                metadata: ["error": "\(error)", "fix": "the unit's LimitRTPRIO= allows it"])
        }
    }

    private func acquire() throws {
        let channels = ring.channelCount
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: blockFrames * channels)
        defer { buffer.deallocate() }
        try source.start()
        defer { source.stop() }
        logger.info("acquisition started", metadata: ["rate_hz": "\(source.format.sampleRateHz)", "channels": "\(channels)"])
        let heartbeat = monitor.heartbeat(.acquisition)
        // Waiting for ring room or a scheduled dose is progress: the stage that holds it up is the one that stalls.
        let stopOrBeat = { [stop] in
            heartbeat.beat()
            return stop.isRaised
        }
        while !stop.isRaised {
            heartbeat.beat()
            var frames = blockFrames
            if let limit = frameLimit {
                guard ring.writeIndex < limit else { break }
                frames = Int(min(UInt64(frames), limit - ring.writeIndex))
            }
            if waitsForRoom {
                guard ring.waitForRoom(frameCount: frames, shouldStop: stopOrBeat) else { break }
                schedule.waitUntilRecorded(before: ring.writeIndex, shouldStop: stopOrBeat)
            }
            switch try source.read(into: UnsafeMutableBufferPointer(rebasing: buffer[0..<frames * channels])) {
            case .frames(let first, let count):
                precondition(first == ring.writeIndex, "source blocks must be contiguous")
                ring.write(UnsafeBufferPointer(rebasing: buffer[0..<count * channels]))
            case .gap(let gap):
                precondition(gap.firstSample == ring.writeIndex, "a gap starts where the last block ended")
                var lost = gap
                if let limit = frameLimit { lost.sampleCount = min(gap.sampleCount, limit - gap.firstSample) }
                ring.writeZeros(frameCount: lost.sampleCount)
                mailbox.post(.gap(lost))
                logger.warning("samples lost", metadata: .gap(lost, at: .acquisition))
            case .end:
                logger.info("source ended", metadata: ["frames": "\(ring.writeIndex)"])
                return
            }
        }
        logger.info("acquisition stopped", metadata: ["frames": "\(ring.writeIndex)"])
    }
}
