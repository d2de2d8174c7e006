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
///   Simulated  1 producer,│      re-reference, line canceller,           (fsync'd sidecar)
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
        /// Simulate every `[[stream]]` whatever its kind (`--source sim` with a config of several streams).
        public var simulateStreams: Bool

        public init(
            configuration: Configuration, sessionID: String, outputDirectory: String, source: SourceSpec, durationSeconds: Double?,
            controlSocket: String, realTime: Bool, softwareVersion: String, applyScheduleToReplay: Bool = false,
            simulateStreams: Bool = false
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
            self.simulateStreams = simulateStreams
        }
    }

    public let files: SessionFiles
    public let board: StatusBoard
    private let services: [ServiceGroupConfiguration.ServiceConfiguration]
    private let eventLog: EventLog
    private let faults: FaultLatch
    private let reserve: DiskReserve
    private let stopper: SessionStopper
    /// Held for the life of the session: one owner per session id.
    private let lock: SessionLock
    private let lockMemory: Bool
    private let logger: Logger

    /// Opens the source, the session file and the event log; starts nothing yet.
    /// A schedule the source cannot take is a `ConfigError`, before anything is opened;
    /// a session id another process is recording is `SessionLock.Held`, before any file or socket is touched.
    /// `stopper` may be asked to stop before the session runs (a signal during set-up): it then ends at once.
    public convenience init(options: Options, logger: Logger, stopper: SessionStopper = SessionStopper()) throws {
        try self.init(options: options, logger: logger, stopper: stopper, openSource: SourceFactory.make)
    }

    /// - Parameter openSource: `SourceFactory.make`; tests give a fake behind the `Source` protocol (a source that blocks).
    init(
        options: Options, logger: Logger, stopper: SessionStopper,
        openSource: (SourceSpec, Configuration, _ realTime: Bool, Logger) throws -> SourceFactory.Opened
    ) throws {
        self.stopper = stopper
        try options.configuration.checkSchedule(source: options.source.kind, applyToReplay: options.applyScheduleToReplay)
        var logger = logger
        logger[metadataKey: "session"] = "\(options.sessionID)"
        let configuration = options.configuration
        try ControlSocketPathRefusal.check(options.controlSocket)
        for folder in [options.outputDirectory, (options.controlSocket as NSString).deletingLastPathComponent] {
            try FileOutputError.writing(folder) { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        }
        lock = try SessionLock(
            sessionID: options.sessionID,
            paths: SessionLock.paths(sessionID: options.sessionID, outputDirectory: options.outputDirectory, controlSocket: options.controlSocket))
        files = SessionFiles(sessionID: options.sessionID, directory: options.outputDirectory)
        logger[metadataKey: "part"] = "\(files.part)"
        self.logger = logger
        if files.part > 1 {
            // A restart (watchdog, crash): earlier parts stay as they are; only their space reserves go.
            let freed = DiskReserve.removeLeftovers(before: files)
            logger.notice(
                "continuing the session in part \(files.part); earlier parts are left as they are",
                metadata: [
                    "file": "\(files.nwbPath)", "earlier": "\(files.earlierStems.map { "\($0).nwb" }.joined(separator: " "))",
                    "reserves_freed": "\(freed.count)",
                ])
        }

        let opened = try SourceFactory.makeStreams(options.source, simulateAll: options.simulateStreams, configuration: configuration, realTime: options.realTime, logger: logger, open: openSource)
        let streams = configuration.hasDeclaredStreams ? configuration.streams : []
        let startTime = Date()
        let files = self.files
        let notifier = SystemdNotifier(logger: logger)
        // Deleted on the first fault, so a full disk still lets the file close with the fault and the log end.
        let reserve = try DiskReserve(files: files)
        self.reserve = reserve
        faults = FaultLatch(onFirst: reserve.release)
        let monitor = StageMonitor(faults: faults, logger: logger)
        let pipeline: Pipeline
        do {
            pipeline = try Pipeline(
                plan: PipelinePlan(
                    sessionID: options.sessionID, filePath: files.nwbPath, sourceDescription: opened.map(\.description).joined(separator: "; "),
                    blockFrames: Self.blockFrames(configuration.source, opened[0].source),
                    ringSeconds: configuration.source.ringSeconds,
                    processing: configuration.processing.enabled ? configuration.processing : nil, durationSeconds: options.durationSeconds,
                    realTime: options.realTime, flushSeconds: configuration.storage.flushSeconds,
                    scheduleSeconds: configuration.schedule.map(\.atSeconds),
                    realTimePriority: options.source == .comedi && opened.allSatisfy { $0.source is ComediSource }),
                streams: opened.enumerated().map { index, one in
                    let stream = streams.isEmpty ? nil : streams[index]
                    return Pipeline.StreamInput(
                        name: stream?.name, source: one.source, montage: one.montage,
                        blockFrames: Self.blockFrames(stream?.source ?? configuration.source, one.source), onFault: stream?.onFault ?? .stop)
                },
                monitor: monitor, logger: logger,
                makeSink: { layout in
                    try DiskBudget(
                        streams: layout.streams.map { ($0.format, $0.processedChannels.count) }, processing: layout.processing,
                        plannedSeconds: options.durationSeconds
                    ).check(directory: options.outputDirectory)
                    return try NWBSessionWriter(
                        creating: files.nwbPath,
                        description: SessionDescription(
                            sessionID: options.sessionID, sessionStartTime: startTime, session: configuration.session, subject: configuration.subject,
                            montage: layout.montage, format: layout.format, processedChannels: layout.processedChannels,
                            processing: configuration.processing, sourceProvenance: Self.provenance(of: opened, streams: streams),
                            configuration: configuration.provenance, softwareVersion: options.softwareVersion, storage: configuration.storage,
                            streams: layout.streams))
                },
                onFirstBlockStored: { notifier.ready(status: "recording to \(files.nwbPath)") })
        } catch let error as SignalProcessor.SetupError {
            throw ConfigError(refusedAtStart: error, configPath: configuration.provenance.configPath)
        }
        let format = pipeline.format
        board = pipeline.board
        eventLog = try EventLog(creating: FilePath(files.eventsPath))
        try eventLog.append(EventRecord(kind: .sessionStarted, sessionID: options.sessionID, detail: files.nwbPath, at: startTime))
        for listener in opened.compactMap(\.eventListener) { eventLog.subscribe(listener) }

        let desk = DoseDesk(
            sessionID: options.sessionID, rateHz: format.sampleRateHz, ring: pipeline.ring, eventLog: eventLog, mailbox: pipeline.mailbox, board: board,
            ledger: DoseLedger(weightKilograms: configuration.subject.weightKilograms))
        try desk.recordStartingWeight(at: startTime)
        let control = ControlServer(
            socketPath: options.controlSocket,
            dispatcher: ControlDispatcher(desk: desk, board: board, requestStop: { [stopper] in stopper.stop() }),
            heartbeat: monitor.heartbeat(.control), logger: logger)
        services = pipeline.services(
            before: [
                StageService(
                    HealthReporter(monitor: monitor, board: board, notifier: notifier, watchdogSeconds: notifier.watchdogSeconds, logger: logger),
                    stage: .internal, name: "health reporter"),
                StageService(
                    EventLogService(log: eventLog, desk: desk, sessionID: options.sessionID, faults: faults, board: board), stage: .storage,
                    name: "event log")
            ],
            after: [
                StageService(
                    DoseScheduleService(
                        schedule: configuration.schedule, rateHz: format.sampleRateHz, ring: pipeline.ring, desk: desk,
                        barrier: pipeline.barrier, logger: logger), stage: .internal, name: "dose schedule"),
                StageService(control, stage: .control, name: "control socket"),
                StageService(ShutdownAnnouncer(board: board, notifier: notifier), stage: .internal, name: "shutdown announcer"),
            ])
        lockMemory = options.realTime
        logger.info(
            "session ready",
            metadata: [
                "file": "\(files.nwbPath)", "source": "\(opened.map(\.description).joined(separator: "; "))",
                "channels": "\(pipeline.montage.channels.count)", "rate_hz": "\(pipeline.streams.map { "\($0.format.sampleRateHz)" }.joined(separator: ", "))",
            ])
    }

    /// Runs until the session ends; throws (after closing the file) when it faulted.
    public func run() async throws {
        if lockMemory { reportMemoryLock(RealTimeScheduling.lockMemory()) }
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [],  // `StopSignals` turns SIGTERM, SIGINT and SIGHUP into `stopper.stop()`, from the first statement of ketamapd on
            cancellationSignals: [],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(Self.maximumStopSeconds)
        let group = ServiceGroup(configuration: configuration)
        stopper.attach(group)
        do {
            try await group.run()
        } catch {
            faults.record("the session failed: \(error)", stage: .internal)  // kept only if no stage said why
        }
        reserve.release()
        writeManifest()
        if let fault = faults.fault { throw fault }
    }
}

extension Session {
    /// 10 ms at the rate the source really has (a replayed recording brings its own), unless the config sets block_frames.
    static func blockFrames(_ settings: SourceSettings, _ source: any Source) -> Int {
        settings.blockFrames ?? max(1, Int((source.format.sampleRateHz / 100).rounded()))
    }

    /// The sources' board, driver and calibration facts; for several streams, each key prefixed by its stream's name.
    static func provenance(of opened: [SourceFactory.Opened], streams: [StreamSettings]) -> [String: String] {
        guard !streams.isEmpty else { return opened[0].source.provenance }
        var facts: [String: String] = [:]
        for (one, stream) in zip(opened, streams) {
            for (key, value) in one.source.provenance { facts["\(stream.name).\(key)"] = value }
        }
        return facts
    }

    /// Seconds a graceful stop may take before the group is cancelled (below the unit's TimeoutStopSec=90).
    static let maximumStopSeconds: Int64 = 60

    /// The closed session's SHA-256 manifest; a session ends all the same if it cannot be written.
    private func writeManifest() {
        let path = SessionManifest.path(for: files)
        let started = MonotonicClock.seconds()
        do {
            try SessionManifest(hashing: files).write(to: path)
            logger.info("manifest written", metadata: ["manifest": "\(path)", "seconds": "\((MonotonicClock.seconds() - started).formatted(.number.precision(.fractionLength(2))))"])
        } catch {
            logger.error("manifest not written; ketamapctl recover writes it", metadata: ["manifest": "\(path)", "error": "\(error)"])
        }
    }

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
