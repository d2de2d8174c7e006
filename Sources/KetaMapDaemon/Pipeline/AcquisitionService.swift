import KetaMapAcquisition
import KetaMapConfiguration
import KetaMapCore
import Logging
import ServiceLifecycle
import Synchronization

/// The acquisition thread: reads blocks from the source and writes them to the
/// ring. In real time it never waits for a consumer; in as-fast-as-possible
/// mode it waits for ring room, so nothing is lost. Returns (ending the
/// session) after `frameLimit` frames, at the end of a replay, or on stop.
final class AcquisitionService: Service, @unchecked Sendable {
    /// Which stream this thread acquires, and what a fault in it does.
    struct Role: Sendable {
        /// Index in the pipeline; nil name for the one stream of a single-source session.
        var index = 0
        var name: String?
        var onFault: StreamSettings.FaultPolicy = .stop
    }

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
    private let role: Role
    private let clock: SessionClock
    private let completion: StreamCompletion
    private let logger: Logger
    private let stop = StopFlag()
    /// When the stream last delivered (CLOCK_MONOTONIC seconds; the acquisition thread's own):
    /// a stream that stops on a fault has missed its samples since then, not since the fault
    /// (a vanished card is noticed after a stall, a stopped one after `read_timeout_ms`).
    private var deliveredAtSeconds = 0.0

    init(
        source: any Source, ring: SampleRing, mailbox: RecorderMailbox, board: StatusBoard, monitor: StageMonitor, frameLimit: UInt64?,
        waitsForRoom: Bool, realTimePriority: Bool, blockFrames: Int, schedule: ScheduleBarrier, role: Role = Role(),
        clock: SessionClock = SessionClock(), completion: StreamCompletion = StreamCompletion(streams: 1), logger: Logger
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
        self.role = role
        self.clock = clock
        self.completion = completion
        var logger = logger
        if let name = role.name { logger[metadataKey: "stream"] = "\(name)" }
        self.logger = logger
    }

    func run() async throws {
        try await monitor.run(.acquisition, stream: role.name, stoppingWith: stop) { [self] in
            if realTimePriority { raisePriority() }
            var stopped: StoppedStream?
            do {
                try acquire()
            } catch where role.onFault == .continue && !completion.isLast {
                stopped = continueWithoutStream(after: error)
            }
            // The session ends when its last stream has: an earlier one (a stopped one too,
            // or the session would wait for it forever) waits for the stop.
            if !completion.finish() { waitForStop() }
            if let stopped { postGap(of: stopped) }
        }
    }

    /// Where a stream stopped on a fault it may continue without, and when it last delivered.
    private struct StoppedStream {
        var sample: UInt64
        var monotonicSeconds: Double
    }

    /// `on_fault = "continue"`: this stream ends, the session goes on.
    private func continueWithoutStream(after error: any Error) -> StoppedStream {
        let stopped = StoppedStream(sample: ring.writeIndex, monotonicSeconds: deliveredAtSeconds)
        logger.error(
            "stream stopped; the session records on without it", metadata: ["error": "\(error)", "sample": "\(stopped.sample)", "on_fault": "continue"])
        board.update { $0.fault = $0.fault ?? "stream \(role.name ?? "") stopped: \(error)" }
        return stopped
    }

    /// At the stop, the samples a stopped stream did not deliver since it last did become
    /// one gap, estimated from the session clock (the file says so: `stream-stopped`, not exact).
    private func postGap(of stopped: StoppedStream) {
        var missing = UInt64(max(0, ((MonotonicClock.seconds() - stopped.monotonicSeconds) * source.format.sampleRateHz).rounded()))
        if let limit = frameLimit { missing = min(missing, limit > stopped.sample ? limit - stopped.sample : 0) }
        mailbox.post(.gap(AcquisitionGap(firstSample: stopped.sample, sampleCount: missing, cause: .streamStopped, isExact: false), stream: role.index))
    }

    /// A stream that is done waits for the session's stop (beating: waiting on purpose is not a stall).
    private func waitForStop() {
        let heartbeat = monitor.heartbeat(.acquisition, stream: role.name)
        while !stop.isRaised {
            heartbeat.beat()
            MonotonicClock.sleep(microseconds: 10_000)
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
        clock.start()
        try source.start()
        defer { source.stop() }
        deliveredAtSeconds = MonotonicClock.seconds()
        logger.info("acquisition started", metadata: ["rate_hz": "\(source.format.sampleRateHz)", "channels": "\(channels)"])
        let heartbeat = monitor.heartbeat(.acquisition, stream: role.name)
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
                deliveredAtSeconds = MonotonicClock.seconds()
            case .gap(let gap):
                precondition(gap.firstSample == ring.writeIndex, "a gap starts where the last block ended")
                var lost = gap
                if let limit = frameLimit { lost.sampleCount = min(gap.sampleCount, limit - gap.firstSample) }
                ring.writeZeros(frameCount: lost.sampleCount)
                deliveredAtSeconds = MonotonicClock.seconds()
                mailbox.post(.gap(lost, stream: role.index))
                logger.warning("samples lost", metadata: .gap(lost, at: .acquisition))
            case .end:
                logger.info("source ended", metadata: ["frames": "\(ring.writeIndex)"])
                return
            }
        }
        logger.info("acquisition stopped", metadata: ["frames": "\(ring.writeIndex)"])
    }
}

/// Counts the streams still acquiring, so that the session ends when the last
/// one has (at its frame limit, the end of its replay, or a fault it may
/// continue without): a stream that finishes early waits for the others.
final class StreamCompletion: Sendable {
    private let remaining: Atomic<Int>

    init(streams: Int) { remaining = Atomic(streams) }

    /// Marks one stream finished; `true` when it was the last.
    func finish() -> Bool { remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue <= 0 }

    /// Whether only one stream is still acquiring (a fault there ends the session).
    var isLast: Bool { remaining.load(ordering: .acquiring) <= 1 }
}
