import KetaMapAcquisition
import KetaMapControl
import KetaMapCore
import KetaMapDSP
import Logging
import ServiceLifecycle

/// The one assembly of the hot path, built from a `PipelinePlan` with the
/// source and the sink injected:
///
/// ```
/// Source ──► SampleRing ──┬──► RecorderService ──────────────────────► sink
///  (any)     (lock-free,  ├──► SignalProcessingService ─► features ─┘  (NWBSessionWriter,
///            1 producer,  │                                              or DiscardingSink for check)
///            N cursors)   └──► StatusBoard ◄── ControlServer (added by Session)
/// ```
///
/// `Session` runs it with the event log before and the schedule, control
/// socket and shutdown announcer after; `ChannelCheck` runs it alone with a
/// sink that writes nothing; fault tests inject a failing source or sink.
/// Each stage reports its start, stop and failure through `monitor`.
final class Pipeline: Sendable {
    let format: SampleFormat
    let montage: Montage
    let ring: SampleRing
    let board: StatusBoard
    let mailbox = RecorderMailbox()
    let monitor: StageMonitor
    /// Holds acquisition (as fast as possible) until a scheduled dose is recorded.
    let barrier: ScheduleBarrier
    let processor: SignalProcessor?
    /// Recorder, processing, acquisition: start order (graceful shutdown runs in reverse).
    let stages: [ServiceGroupConfiguration.ServiceConfiguration]
    private let logger: Logger

    /// What the sink is created from, once the processor is designed.
    struct Layout {
        let format: SampleFormat
        let montage: Montage
        let processedChannels: [ProcessedChannel]
        let processing: ProcessingSettings?
    }

    /// Designs the processor, allocates the ring, creates the sink; starts nothing.
    ///
    /// - Parameters:
    ///   - makeSink: creates what the recorder writes to; throws to refuse the session.
    ///   - onFirstBlockStored: recorder thread, once the first block is in the sink.
    init(
        plan: PipelinePlan, source: any Source, montage: Montage, monitor: StageMonitor, logger: Logger,
        makeSink: (Layout) throws -> any SessionSink, onFirstBlockStored: @escaping @Sendable () -> Void = {}
    ) throws {
        let format = source.format
        self.format = format
        self.montage = montage
        self.monitor = monitor
        self.logger = logger
        let blockFrames = plan.blockFrames
        processor = try plan.processing.map {
            try SignalProcessor(
                settings: $0, format: format, montage: montage, maxBlockFrames: blockFrames,
                lfpRingSeconds: plan.ringSeconds)  // features ride out a recorder stall as long as raw samples do
        }
        ring = SampleRing(
            channelCount: format.channelCount, minimumFrames: max(Int(plan.ringSeconds * format.sampleRateHz), 8 * blockFrames),
            consumers: processor == nil ? ["recorder"] : ["recorder", "processor"])
        let sink = try makeSink(
            Layout(format: format, montage: montage, processedChannels: processor?.channels ?? [], processing: processor?.settings))
        let board = StatusBoard(
            initial: SessionStatus(
                sessionID: plan.sessionID, state: .starting, filePath: plan.filePath, source: plan.sourceDescription,
                sampleRateHz: format.sampleRateHz, channelCount: format.channelCount,
                channels: [ChannelStatus](montage: montage, bandCount: processor?.settings.bands.count ?? 0),
                bands: processor?.settings.bands.map(\.name) ?? [],
                bytesPerSecond: DiskBudget(
                    format: format, processedChannels: processor?.channels.count ?? 0, processing: processor?.settings, plannedSeconds: nil
                ).bytesPerSecond),
            ring: ring)
        self.board = board
        barrier = ScheduleBarrier(samples: plan.realTime ? [] : plan.scheduleSeconds.map { UInt64(($0 * format.sampleRateHz).rounded()) })

        let recorder = RecorderService(
            sink: sink, cursor: ring.cursors[0], ring: ring, features: processor.map(ProcessorFeatures.init), mailbox: mailbox,
            board: board, monitor: monitor, flushSeconds: plan.flushSeconds, blockFrames: blockFrames, logger: logger,
            onFirstBlockStored: {
                board.update { $0.state = .recording }
                onFirstBlockStored()
            })
        let acquisition = AcquisitionService(
            source: source, ring: ring, mailbox: mailbox, board: board, monitor: monitor,
            frameLimit: plan.durationSeconds.map { format.frames(inSeconds: $0) }, waitsForRoom: !plan.realTime,
            realTimePriority: plan.realTime && plan.realTimePriority, blockFrames: blockFrames, schedule: barrier, logger: logger)
        var stages: [any Service] = [recorder]
        if let processor {
            stages.append(SignalProcessingService(processor: processor, cursor: ring.cursors[1], ring: ring, board: board, monitor: monitor, logger: logger))
        }
        stages.append(acquisition)
        self.stages = stages.map(Self.endingTheSession)
    }

    /// The stages with `before` started first and `after` started last: the one
    /// fault path. Any of them failing records its fault (the hot path through
    /// `monitor`, the others through `StageService`) and shuts the whole group
    /// down gracefully, in reverse order: acquisition stops, processing and the
    /// recorder drain, the file closes with the fault, the event log writes
    /// `session-ended` with the cause. A stage returning (acquisition at the
    /// frame limit or the end of a replay) ends the session the same way.
    func services(before: [StageService] = [], after: [StageService] = []) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let faults = monitor.faults
        let reporting = { (service: StageService) -> ServiceGroupConfiguration.ServiceConfiguration in
            var service = service
            service.faults = faults
            return Self.endingTheSession(service)
        }
        return before.map(reporting) + stages + after.map(reporting)
    }

    private static func endingTheSession(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
    }

    /// Runs the stages alone until acquisition ends; throws the first stage's error after every stage has stopped.
    func run() async throws {
        try await ServiceGroup(configuration: ServiceGroupConfiguration(services: stages, logger: logger)).run()
    }
}

/// What to build: everything the pipeline needs besides the source and the sink.
struct PipelinePlan: Sendable {
    /// For the status board: the session id, the file it writes (may be empty) and the source as shown.
    var sessionID: String
    var filePath: String
    var sourceDescription: String
    /// Frames per block handed to the ring.
    var blockFrames: Int
    /// Seconds of samples (and features) the rings hold.
    var ringSeconds: Double
    /// The signal processing; nil runs no processing stage (raw samples only).
    var processing: ProcessingSettings?
    /// Stop after round(duration × rate) frames of the sample clock.
    var durationSeconds: Double?
    /// `true` paces the source to the wall clock; `false` waits for ring room, losing nothing.
    var realTime: Bool
    /// Seconds between flushes of the sink.
    var flushSeconds: Double
    /// Sample-clock seconds of scheduled doses (acquisition waits for each when not real time).
    var scheduleSeconds: [Double] = []
    /// Ask for SCHED_FIFO on the acquisition thread: for a card, whose kernel
    /// buffer must be drained in time. A simulator or replay computes its
    /// samples on that thread and would starve processing at that priority.
    var realTimePriority = false
}
