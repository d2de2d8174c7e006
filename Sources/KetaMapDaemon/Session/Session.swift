import Foundation
import KetaMapAcquisition
import KetaMapCore
import KetaMapStorage
import Logging
import ServiceLifecycle
import Synchronization
import SystemPackage
import KetaMapDSP
import KetaMapConfiguration
import KetaMapControl

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
/// The hot path is a `Pipeline` (source, ring, processing, recorder, status
/// board) writing to an `NWBSessionWriter`; the session puts the event log
/// before it and the dose schedule, the control socket and the shutdown
/// announcer after it. Services start in that order and stop in reverse:
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
    private let stopper = SessionStopper()
    private let lockMemory: Bool
    private let logger: Logger

    /// Opens the source, the session file and the event log; starts nothing yet.
    /// A schedule the source cannot take is a `ConfigError`, before anything is opened.
    public init(options: Options, logger: Logger) throws {
        try options.configuration.checkSchedule(source: options.source.kind, applyToReplay: options.applyScheduleToReplay)
        var logger = logger
        logger[metadataKey: "session"] = "\(options.sessionID)"
        self.logger = logger
        let configuration = options.configuration
        try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: (options.controlSocket as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        files = SessionFiles(sessionID: options.sessionID, directory: options.outputDirectory)

        let opened = try SourceFactory.make(options.source, configuration: configuration, realTime: options.realTime, logger: logger)
        let startTime = Date()
        let files = self.files
        let notifier = SystemdNotifier(logger: logger)
        faults = FaultLatch()
        let pipeline: Pipeline
        do {
            pipeline = try Pipeline(
                plan: PipelinePlan(
                    sessionID: options.sessionID, filePath: files.nwbPath, sourceDescription: opened.description,
                    blockFrames: configuration.source.framesPerBlock, ringSeconds: configuration.source.ringSeconds,
                    processing: configuration.processing.enabled ? configuration.processing : nil, durationSeconds: options.durationSeconds,
                    realTime: options.realTime, flushSeconds: configuration.storage.flushSeconds,
                    scheduleSeconds: configuration.schedule.map(\.atSeconds)),
                source: opened.source, montage: opened.montage, monitor: StageMonitor(faults: faults, logger: logger), logger: logger,
                makeSink: { layout in
                    try DiskBudget(
                        format: layout.format, processedChannels: layout.processedChannels.count, processing: layout.processing,
                        plannedSeconds: options.durationSeconds
                    ).check(directory: options.outputDirectory)
                    return try NWBSessionWriter(
                        creating: files.nwbPath,
                        description: SessionDescription(
                            sessionID: options.sessionID, sessionStartTime: startTime, session: configuration.session, subject: configuration.subject,
                            montage: layout.montage, format: layout.format, processedChannels: layout.processedChannels,
                            processing: configuration.processing, sourceProvenance: opened.source.provenance,
                            configuration: configuration.provenance, softwareVersion: options.softwareVersion, storage: configuration.storage))
                },
                onFirstBlockStored: { notifier.ready(status: "recording to \(files.nwbPath)") })
        } catch let error as SignalProcessor.SetupError {
            throw ConfigError(refusedAtStart: error, configPath: configuration.provenance.configPath)
        }
        let format = pipeline.format
        board = pipeline.board
        eventLog = try EventLog(creating: FilePath(files.eventsPath))
        try eventLog.append(EventRecord(kind: .sessionStarted, sessionID: options.sessionID, detail: files.nwbPath, at: startTime))
        if let listener = opened.eventListener { eventLog.subscribe(listener) }

        let desk = DoseDesk(
            sessionID: options.sessionID, rateHz: format.sampleRateHz, ring: pipeline.ring, eventLog: eventLog, mailbox: pipeline.mailbox, board: board,
            ledger: DoseLedger(weightKilograms: configuration.subject.weightKilograms))
        try desk.recordStartingWeight(at: startTime)
        let control = ControlServer(
            socketPath: options.controlSocket,
            dispatcher: ControlDispatcher(desk: desk, board: board, requestStop: { [stopper] in stopper.stop() }),
            logger: logger)
        services = pipeline.services(
            before: [.init(service: EventLogService(log: eventLog, desk: desk, sessionID: options.sessionID, faults: faults, board: board))],
            after: [
                .init(
                    service: DoseScheduleService(
                        schedule: configuration.schedule, rateHz: format.sampleRateHz, ring: pipeline.ring, desk: desk,
                        barrier: pipeline.barrier, logger: logger)),
                .init(service: control),
                .init(service: ShutdownAnnouncer(board: board, notifier: notifier)),
            ])
        lockMemory = options.realTime
        logger.info("session ready", metadata: ["file": "\(files.nwbPath)", "source": "\(opened.description)", "channels": "\(format.channelCount)", "rate_hz": "\(format.sampleRateHz)"])
    }

    /// Runs until the session ends; throws (after closing the file) when it faulted.
    public func run() async throws {
        if lockMemory { reportMemoryLock(RealTimeScheduling.lockMemory()) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger))
        stopper.attach(group)
        try await group.run()
        if let fault = faults.reason { throw SessionFault(reason: fault) }
    }
}

extension Session {
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

/// Lets the control socket's `stop` end the session it belongs to.
final class SessionStopper: Sendable {
    private let group = Mutex<ServiceGroup?>(nil)

    func attach(_ group: ServiceGroup) { self.group.withLock { $0 = group } }

    func stop() {
        guard let group = group.withLock({ $0 }) else { return }
        Task { await group.triggerGracefulShutdown() }
    }
}

/// A session that ended on a fault; its file is closed and records the reason.
public struct SessionFault: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "session ended on a fault: \(reason)" }
}
