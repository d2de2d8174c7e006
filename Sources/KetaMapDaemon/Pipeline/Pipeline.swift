import KetaMapAcquisition
import KetaMapConfiguration
import KetaMapControl
import KetaMapCore
import KetaMapDSP
import KetaMapStorage
import Logging
import ServiceLifecycle

/// The one assembly of the hot path, built from a `PipelinePlan` with the
/// sources and the sink injected: per stream a ring, an acquisition thread
/// and a processing chain; one recorder and one status board for all.
///
/// ```
/// Source ──► SampleRing ──┬──► RecorderService ──────────────────────► sink
///  (any)     (lock-free,  ├──► SignalProcessingService ─► features ─┘  (NWBSessionWriter,
///            1 producer,  │                                              or DiscardingSink for check)
///            N cursors)   └──► StatusBoard ◄── ControlServer (added by Session)
///   … one such row per stream (sEEG at 2 kHz, microwires at 30 kHz, …),
///     all read by the one recorder, all on the one StatusBoard.
/// ```
///
/// `Session` runs it with the event log before and the schedule, control
/// socket and shutdown announcer after; `ChannelCheck` runs it alone with a
/// sink that writes nothing; fault tests inject a failing source or sink.
/// Each stage reports its start, stop and failure through `monitor`.
final class Pipeline: Sendable {
    /// One stream's parts: what acquisition, processing and the recorder share.
    struct Stream: Sendable {
        let name: String?
        let format: SampleFormat
        let montage: Montage
        let ring: SampleRing
        let processor: SignalProcessor?
        /// Session row of the stream's first channel.
        let firstRow: Int
    }

    let streams: [Stream]
    /// The session's channels: every stream's, stream after stream.
    let montage: Montage
    let board: StatusBoard
    let mailbox = RecorderMailbox()
    let monitor: StageMonitor
    /// Holds the first stream's acquisition (as fast as possible) until a scheduled dose is recorded.
    let barrier: ScheduleBarrier
    /// Recorder, then each stream's processing and acquisition: start order (graceful shutdown runs in reverse).
    let stages: [ServiceGroupConfiguration.ServiceConfiguration]
    private let logger: Logger

    /// The first stream's: its sample clock stamps doses and marks.
    var format: SampleFormat { streams[0].format }
    var ring: SampleRing { streams[0].ring }
    var processor: SignalProcessor? { streams[0].processor }

    /// What the sink is created from, once the processors are designed.
    struct Layout {
        /// The session's: one stream's format, or for several every channel's gain at the first stream's rate.
        let format: SampleFormat
        let montage: Montage
        /// Every stream's processed channels, anodes and cathodes counted in `montage`.
        let processedChannels: [ProcessedChannel]
        let processing: ProcessingSettings?
        /// Where each stream sits in the file.
        let streams: [StreamDescription]
    }

    /// A stream to build: its source, its channels, its blocks and what a fault in it does.
    struct StreamInput {
        var name: String?
        var source: any Source
        var montage: Montage
        var blockFrames: Int
        var onFault: StreamSettings.FaultPolicy = .stop
    }

    /// A pipeline of one stream (`plan.blockFrames` per block).
    convenience init(
        plan: PipelinePlan, source: any Source, montage: Montage, monitor: StageMonitor, logger: Logger,
        makeSink: (Layout) throws -> any SessionSink, onFirstBlockStored: @escaping @Sendable () -> Void = {}
    ) throws {
        try self.init(
            plan: plan, streams: [StreamInput(name: nil, source: source, montage: montage, blockFrames: plan.blockFrames)], monitor: monitor,
            logger: logger, makeSink: makeSink, onFirstBlockStored: onFirstBlockStored)
    }

    /// Designs the processors, allocates the rings, creates the sink; starts nothing.
    ///
    /// - Parameters:
    ///   - streams: at least one; a session of several names each.
    ///   - makeSink: creates what the recorder writes to; throws to refuse the session.
    ///   - onFirstBlockStored: recorder thread, once the first block is in the sink.
    init(
        plan: PipelinePlan, streams inputs: [StreamInput], monitor: StageMonitor, logger: Logger,
        makeSink: (Layout) throws -> any SessionSink, onFirstBlockStored: @escaping @Sendable () -> Void = {}
    ) throws {
        precondition(!inputs.isEmpty, "a session has at least one stream")
        self.monitor = monitor
        self.logger = logger
        var streams: [Stream] = []
        var firstRow = 0
        for input in inputs {
            let format = input.source.format
            let processor = try plan.processing.map {
                try SignalProcessor(
                    settings: $0, format: format, montage: input.montage, maxBlockFrames: input.blockFrames,
                    lfpRingSeconds: plan.ringSeconds)  // features ride out a recorder stall as long as raw samples do
            }
            let ring = SampleRing(
                channelCount: format.channelCount, minimumFrames: max(Int(plan.ringSeconds * format.sampleRateHz), 8 * input.blockFrames),
                consumers: processor == nil ? ["recorder"] : ["recorder", "processor"])
            streams.append(Stream(name: input.name, format: format, montage: input.montage, ring: ring, processor: processor, firstRow: firstRow))
            firstRow += format.channelCount
        }
        self.streams = streams
        let layout = Self.layout(of: streams, processing: plan.processing)
        montage = layout.montage
        let sink = try makeSink(layout)

        let bandCount = plan.processing?.bands.count ?? 0
        let board = StatusBoard(
            initial: SessionStatus(
                sessionID: plan.sessionID, state: .starting, filePath: plan.filePath, source: plan.sourceDescription,
                sampleRateHz: streams[0].format.sampleRateHz, channelCount: layout.montage.channels.count,
                channels: [ChannelStatus](montage: layout.montage, bandCount: bandCount),
                bands: plan.processing?.bands.map(\.name) ?? [],
                bytesPerSecond: streams.map {
                    DiskBudget(format: $0.format, processedChannels: $0.processor?.channels.count ?? 0, processing: $0.processor?.settings, plannedSeconds: nil)
                        .bytesPerSecond
                }.reduce(0, +),
                streams: streams.count > 1
                    ? streams.map { StreamStatus(name: $0.name ?? "", sampleRateHz: $0.format.sampleRateHz, channelCount: $0.format.channelCount) } : nil),
            rings: streams.map { ($0.name, $0.ring) })
        self.board = board
        let referenceRate = streams[0].format.sampleRateHz
        barrier = ScheduleBarrier(samples: plan.realTime ? [] : plan.scheduleSeconds.map { UInt64(($0 * referenceRate).rounded()) })

        let clock = SessionClock()
        let completion = StreamCompletion(streams: streams.count)
        let recorder = RecorderService(
            sink: sink,
            streams: zip(streams, inputs).enumerated().map { index, pair in
                RecorderService.Stream(
                    cursor: pair.0.ring.cursors[0], ring: pair.0.ring, features: pair.0.processor.map { ProcessorFeatures($0, stream: index) },
                    blockFrames: pair.1.blockFrames)
            },
            mailbox: mailbox, board: board, monitor: monitor, clock: clock, flushSeconds: plan.flushSeconds, logger: logger,
            onFirstBlockStored: {
                board.update { $0.state = .recording }
                onFirstBlockStored()
            })
        var stages: [any Service] = [recorder]
        for (index, (stream, input)) in zip(streams, inputs).enumerated() {
            if let processor = stream.processor {
                stages.append(
                    SignalProcessingService(
                        processor: processor, cursor: stream.ring.cursors[1], ring: stream.ring, board: board, monitor: monitor, logger: logger,
                        channelOffset: stream.firstRow, stream: stream.name))
            }
            stages.append(
                AcquisitionService(
                    source: input.source, ring: stream.ring, mailbox: mailbox, board: board, monitor: monitor,
                    frameLimit: plan.durationSeconds.map { stream.format.frames(inSeconds: $0) }, waitsForRoom: !plan.realTime,
                    realTimePriority: plan.realTime && plan.realTimePriority, blockFrames: input.blockFrames,
                    schedule: index == 0 ? barrier : ScheduleBarrier(samples: []),
                    role: AcquisitionService.Role(index: index, name: stream.name, onFault: input.onFault), clock: clock, completion: completion,
                    logger: logger))
        }
        self.stages = stages.map(Self.endingTheSession)
    }

    /// The sink's layout: a single stream as it is; several as one montage
    /// (stream after stream), their processed channels counted in it, and
    /// every channel's gain in µV per count.
    private static func layout(of streams: [Stream], processing: ProcessingSettings?) -> Layout {
        var processed: [ProcessedChannel] = []
        var descriptions: [StreamDescription] = []
        for stream in streams {
            let first = processed.count
            for channel in stream.processor?.channels ?? [] {
                var shifted = channel
                shifted.anode += stream.firstRow
                shifted.cathode = channel.cathode.map { $0 + stream.firstRow }
                processed.append(shifted)
            }
            descriptions.append(StreamDescription(name: stream.name, format: stream.format, firstRow: stream.firstRow, processedChannels: first..<processed.count))
        }
        guard streams.count > 1 else {
            return Layout(format: streams[0].format, montage: streams[0].montage, processedChannels: processed, processing: processing, streams: descriptions)
        }
        var montage = Montage(channels: streams.flatMap(\.montage.channels), groups: [], coordinateSpace: streams[0].montage.coordinateSpace)
        for group in streams.flatMap(\.montage.groups) where !montage.groups.contains(where: { $0.name == group.name }) { montage.groups.append(group) }
        let calibrations = streams.map(\.format.calibration)
        let polynomials = calibrations.contains { !$0.polynomials.isEmpty }
            ? zip(streams, calibrations).flatMap { stream, c in c.polynomials.isEmpty ? Array(repeating: [], count: stream.format.channelCount) : c.polynomials }
            : []
        let format = SampleFormat(
            channelCount: montage.channels.count, sampleRateHz: streams[0].format.sampleRateHz,
            calibration: Calibration(voltsPerCount: 1e-6, channelGains: calibrations.flatMap(\.microvoltsPerCount), polynomials: polynomials))
        return Layout(format: format, montage: montage, processedChannels: processed, processing: processing, streams: descriptions)
    }

    /// The stages with `before` started first and `after` started last: the one
    /// fault path. Any of them failing records its fault (the hot path through
    /// `monitor`, the others through `StageService`) and shuts the whole group
    /// down gracefully, in reverse order: acquisition stops, processing and the
    /// recorder drain, the file closes with the fault, the event log writes
    /// `session-ended` with the cause. The last stream's acquisition returning
    /// (at the frame limit or the end of a replay) ends the session the same way.
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

/// What to build: everything the pipeline needs besides the sources and the sink.
struct PipelinePlan: Sendable {
    /// For the status board: the session id, the file it writes (may be empty) and the source as shown.
    var sessionID: String
    var filePath: String
    var sourceDescription: String
    /// Frames per block handed to the ring (a pipeline of one stream; several give theirs each).
    var blockFrames: Int
    /// Seconds of samples (and features) the rings hold.
    var ringSeconds: Double
    /// The signal processing, run on every stream; nil runs no processing stage (raw samples only).
    var processing: ProcessingSettings?
    /// Stop after round(duration × rate) frames of each stream's sample clock.
    var durationSeconds: Double?
    /// `true` paces the sources to the wall clock; `false` waits for ring room, losing nothing.
    var realTime: Bool
    /// Seconds between flushes of the sink.
    var flushSeconds: Double
    /// Sample-clock seconds of scheduled doses (the first stream's acquisition waits for each when not real time).
    var scheduleSeconds: [Double] = []
    /// Ask for SCHED_FIFO on the acquisition threads: for a card, whose kernel
    /// buffer must be drained in time. A simulator or replay computes its
    /// samples on that thread and would starve processing at that priority.
    var realTimePriority = false
}
