import Foundation
import KetaMapAcquisition
import KetaMapCore
import KetaMapStorage
import Logging
import ServiceLifecycle
import Synchronization
import SystemPackage

/// One recording session, assembled from its configuration and run until
/// SIGTERM/SIGINT, `--duration`, `ketamapctl … stop` or a fault.
///
/// ```
/// Source ──► SampleRing ──┬──► RecorderService ──────────────► <session>.nwb (HDF5, SWMR)
///  (Comedi |  (lock-free, ├──► SignalProcessingService ─► features ─┘  + <session>.events.jsonl
///   Simulated  1 producer,│      re-reference, notch,                    (fsync'd sidecar)
///   | Replay)   N cursors)│      spike band → detector,
///                         │      decimate → LFP → band power
///                         └──► StatusBoard (latest per-channel figures) ◄── ControlServer
/// ControlServer (Unix socket, JSON lines): status | dose | mark | stop
///    dose/mark ──► DoseDesk ──► EventLog (fsync) ──► RecorderMailbox ──► file + flush ──► ack
/// ```
///
/// Services start in dependency order (event log, recorder, processing,
/// acquisition, schedule, control, shutdown announcer) and stop in reverse:
/// systemd hears `STOPPING=1`, the control socket closes, acquisition stops at a sample index, processing and the recorder
/// drain, the file closes, and the event log syncs last.
public final class Session: Sendable {
    /// What `ketamapd` was asked to do.
    public struct Options: Sendable {
        public var configuration: Configuration
        public var sessionID: String
        public var outputDirectory: String
        public var source: SourceSpec
        /// Stop after round(duration × rate) frames of the sample clock.
        public var durationSeconds: Double?
        public var controlSocket: String
        /// `true` paces sources to the wall clock; `false` runs as fast as possible (nothing lost).
        public var realTime: Bool
        public var softwareVersion: String
        /// Record the config's `[[schedule.dose]]` into a replay (`--apply-schedule`).
        public var applyScheduleToReplay: Bool

        public init(
            configuration: Configuration, sessionID: String, outputDirectory: String, source: SourceSpec, durationSeconds: Double?,
            controlSocket: String, realTime: Bool, softwareVersion: String, applyScheduleToReplay: Bool = false
        ) {
            self.configuration = configuration
            self.sessionID = sessionID
            self.outputDirectory = outputDirectory
            self.source = source
            self.durationSeconds = durationSeconds
            self.controlSocket = controlSocket
            self.realTime = realTime
            self.softwareVersion = softwareVersion
            self.applyScheduleToReplay = applyScheduleToReplay
        }
    }

    public let files: SessionFiles
    public let board: StatusBoard
    private let services: [ServiceGroupConfiguration.ServiceConfiguration]
    private let eventLog: EventLog
    private let faults: FaultLatch
    private let stopper: SessionStopper
    /// Held for the life of the session: one owner per session id.
    private let lock: SessionLock
    private let lockMemory: Bool
    private let logger: Logger

    /// Opens the source, the session file and the event log; starts nothing yet.
    /// A schedule the source cannot take is a `ConfigError`, before anything is opened;
    /// a session id another process is recording is `SessionLock.Held`, before any file or socket is touched.
    /// `stopper` may be asked to stop before the session runs (a signal during set-up): it then ends at once.
    public init(options: Options, logger: Logger, stopper: SessionStopper = SessionStopper()) throws {
        self.stopper = stopper
        try options.configuration.checkSchedule(source: options.source.kind, applyToReplay: options.applyScheduleToReplay)
        var logger = logger
        logger[metadataKey: "session"] = "\(options.sessionID)"
        self.logger = logger
        let configuration = options.configuration
        try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: (options.controlSocket as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        lock = try SessionLock(
            sessionID: options.sessionID,
            paths: SessionLock.paths(sessionID: options.sessionID, outputDirectory: options.outputDirectory, controlSocket: options.controlSocket))
        files = SessionFiles(sessionID: options.sessionID, directory: options.outputDirectory)

        let opened = try SourceFactory.make(options.source, configuration: configuration, realTime: options.realTime, logger: logger)
        let format = opened.source.format
        let blockFrames = configuration.source.framesPerBlock
        let ringFrames = max(Int(configuration.source.ringSeconds * format.sampleRateHz), 8 * blockFrames)
        let processor = configuration.processing.enabled
            ? try SignalProcessor(
                settings: configuration.processing, format: format, montage: opened.montage, maxBlockFrames: blockFrames,
                lfpRingSeconds: configuration.source.ringSeconds)  // features ride out a recorder stall as long as raw samples do
            : nil
        let ring = SampleRing(
            channelCount: format.channelCount, minimumFrames: ringFrames,
            consumers: processor == nil ? ["recorder"] : ["recorder", "processor"])

        try DiskBudget(
            format: format, processedChannels: processor?.channels.count ?? 0, processing: processor?.settings,
            plannedSeconds: options.durationSeconds
        ).check(directory: options.outputDirectory)

        let startTime = Date()
        let writer = try NWBSessionWriter(
            creating: files.nwbPath,
            description: SessionDescription(
                sessionID: options.sessionID, sessionStartTime: startTime, session: configuration.session, subject: configuration.subject,
                montage: opened.montage, format: format, processedChannels: processor?.channels ?? [], processing: configuration.processing,
                sourceProvenance: opened.source.provenance, configuration: configuration.provenance, softwareVersion: options.softwareVersion,
                storage: configuration.storage))
        eventLog = try EventLog(creating: FilePath(files.eventsPath))
        try eventLog.append(EventRecord(kind: .sessionStarted, sessionID: options.sessionID, detail: files.nwbPath, at: startTime))
        if let simulator = opened.source as? SimulatedSource {
            eventLog.subscribe { simulator.administer($0) }
        }

        board = StatusBoard(
            initial: SessionStatus(
                sessionID: options.sessionID, state: .starting, filePath: files.nwbPath, source: opened.description,
                sampleRateHz: format.sampleRateHz, channelCount: format.channelCount,
                channels: opened.montage.channels.map { ChannelStatus(name: $0.name, region: $0.region) }),
            ring: ring)
        faults = FaultLatch()
        let mailbox = RecorderMailbox()
        let desk = DoseDesk(sessionID: options.sessionID, rateHz: format.sampleRateHz, ring: ring, eventLog: eventLog, mailbox: mailbox, board: board)
        let scheduled = configuration.schedule
        let barrier = ScheduleBarrier(samples: options.realTime ? [] : scheduled.map { UInt64(($0.atSeconds * format.sampleRateHz).rounded()) })
        let notifier = SystemdNotifier(logger: logger)
        let board = self.board
        let path = files.nwbPath

        let recorder = RecorderService(
            sink: writer, cursor: ring.cursors[0], ring: ring, features: processor.map(ProcessorFeatures.init), mailbox: mailbox, board: board,
            faults: faults, flushSeconds: configuration.storage.flushSeconds, blockFrames: blockFrames, logger: logger,
            onFirstBlockStored: {
                board.update { $0.state = .recording }
                notifier.ready(status: "recording to \(path)")
            })
        let acquisition = AcquisitionService(
            source: opened.source, ring: ring, mailbox: mailbox, board: board, faults: faults,
            frameLimit: options.durationSeconds.map { format.frames(inSeconds: $0) }, waitsForRoom: !options.realTime,
            blockFrames: blockFrames, schedule: barrier, logger: logger)
        let control = ControlServer(
            socketPath: options.controlSocket,
            dispatcher: ControlDispatcher(desk: desk, board: board, requestStop: { [stopper] in stopper.stop() }),
            logger: logger)

        // Dependency order; shutdown runs in reverse. Any stage's failure records
        // the fault with its stage and shuts the whole group down the same way.
        var stages: [(service: any Service, stage: SessionFault.Stage, name: String)] = [
            (EventLogService(log: eventLog, desk: desk, sessionID: options.sessionID, faults: faults, board: board), .storage, "event log"),
            (recorder, .storage, "recorder"),
        ]
        if let processor {
            stages.append((SignalProcessingService(processor: processor, cursor: ring.cursors[1], ring: ring, board: board, logger: logger), .internal, "processing"))
        }
        stages.append((acquisition, .source, "acquisition"))
        stages.append((DoseScheduleService(schedule: scheduled, rateHz: format.sampleRateHz, ring: ring, desk: desk, barrier: barrier, logger: logger), .internal, "dose schedule"))
        stages.append((control, .control, "control socket"))
        stages.append((ShutdownAnnouncer(board: board, notifier: notifier), .internal, "shutdown announcer"))
        let faults = self.faults
        let services = stages.map { stage in
            ServiceGroupConfiguration.ServiceConfiguration(
                service: StageService(service: stage.service, stage: stage.stage, name: stage.name, faults: faults),
                // a stage returning (acquisition after --duration or a replay's end) ends the session the same way
                successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup)
        }
        self.services = services
        lockMemory = options.realTime
        logger.info("session ready", metadata: ["file": "\(files.nwbPath)", "source": "\(opened.description)", "channels": "\(format.channelCount)", "rate_hz": "\(format.sampleRateHz)"])
    }

    /// Runs until the session ends; throws (after closing the file) when it faulted.
    public func run() async throws {
        if lockMemory { reportMemoryLock(RealTimeScheduling.lockMemory()) }
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [],  // `StopSignals` turns SIGTERM, SIGINT and SIGHUP into `stopper.stop()`, from the first line of ketamapd on
            cancellationSignals: [],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(Self.maximumStopSeconds)
        let group = ServiceGroup(configuration: configuration)
        stopper.attach(group)
        do {
            try await group.run()
        } catch {
            faults.record("the session failed: \(error)", stage: .internal)  // only if no stage said why
        }
        if let fault = faults.fault { throw fault }
    }
}

extension Session {
    /// Seconds a graceful stop may take before the group is cancelled (below the unit's TimeoutStopSec=90).
    static let maximumStopSeconds: Int64 = 60

    /// One line either way; an unlocked session records all the same.
    private func reportMemoryLock(_ outcome: RealTimeScheduling.MemoryLock) {
        switch outcome {
        case .locked:
            logger.info("memory locked (mlockall)")
        case .limited(let bytes):
            logger.warning(
                "memory not locked: RLIMIT_MEMLOCK is finite; recording goes on",
                metadata: ["limit_bytes": "\(bytes)", "fix": "the unit's LimitMEMLOCK=infinity allows it"])
        case .refused(let error):
            logger.warning("memory not locked: mlockall refused; recording goes on", metadata: ["error": "\(error)"])
        }
    }
}

/// Ends a session gracefully: from the control socket's `stop` and from
/// signals, which may come before the session runs (then it ends as soon as it starts).
public final class SessionStopper: Sendable {
    private let state = Mutex<(group: ServiceGroup?, requested: Bool)>((nil, false))

    public init() {}

    func attach(_ group: ServiceGroup) {
        let requested = state.withLock { state in
            state.group = group
            return state.requested
        }
        if requested { Task { await group.triggerGracefulShutdown() } }
    }

    /// Asks for a graceful stop (any thread, any moment).
    public func stop() {
        let group = state.withLock { state in
            state.requested = true
            return state.group
        }
        if let group { Task { await group.triggerGracefulShutdown() } }
    }

    /// Whether a stop was asked for.
    public var isRequested: Bool { state.withLock { $0.requested } }
}
