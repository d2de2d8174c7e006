import ArgumentParser
import Foundation
import KetaMapStorage
import KetaMapAcquisition
import KetaMapCore
import KetaMapDaemon
import Logging
import KetaMapConfiguration
import KetaMapControl

/// `ketamapd`: records one session, from start until SIGTERM/SIGINT, `--duration`
/// or `ketamapctl … stop`; exits 0 after a clean close, non-zero on a fault.
struct Ketamapd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ketamapd",
        abstract: "Record a depth-electrode session to an NWB file.",
        discussion: "Without --config, runs the embedded default: the simulator and the default sEEG montage.",
        version: KetaMapVersion.current)

    @Option(help: ArgumentHelp("Configuration file (TOML); default: the embedded default config.", valueName: "path"))
    var config: String?

    @Option(help: ArgumentHelp("Session id; default: the UTC start time, YYYYMMDDTHHMMSSZ.", valueName: "id"))
    var session: String?

    @Option(name: .customLong("output-dir"), help: ArgumentHelp("Folder for the session files; default: the config's.", valueName: "dir"))
    var outputDirectory: String?

    @Option(help: ArgumentHelp("Stop after this many seconds of the sample clock.", valueName: "seconds"))
    var duration: Double?

    @Option(
        help: ArgumentHelp(
            "sim | comedi | replay:PATH[?stream=NAME][&loop] (Open Ephys, SpikeGLX, Intan, .nwb) | replay:PATH?channels=N&rate=HZ&uv_per_bit=X[&loop] (headless int16); default: the config's.",
            valueName: "source"))
    var source: String?

    @Option(name: .customLong("control-socket"), help: ArgumentHelp("Control socket; default: <run-dir>/<session>.sock.", valueName: "path"))
    var controlSocket: String?

    @Flag(name: .customLong("apply-schedule"), help: "With a replay source: record the config's [[schedule.dose]] entries (a replay of a config with a schedule is refused without it; the simulator always records them).")
    var applySchedule = false

    @Flag(help: "Pace the source to the wall clock (default), or run as fast as possible losing nothing.")
    var pace: Pace = .realtime

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(
        name: .customLong("check"),
        help: ArgumentHelp(
            "Test the channels for this many seconds without recording; print the outcome as JSON (what ketamapctl check runs).",
            valueName: "seconds", visibility: .hidden))
    var checkSeconds: Double?

    enum Pace: String, EnumerableFlag {
        case realtime
        case asFastAsPossible

        static func name(for value: Pace) -> NameSpecification {
            value == .realtime ? .customLong("realtime") : .customLong("as-fast-as-possible")
        }
    }

    /// The longest `--duration`.
    static let longestDurationSeconds: Double = 366 * 86400

    func validate() throws {
        if let session, !SessionFiles.isValidSessionID(session) {
            throw ValidationError("--session \(session): use letters, digits, '-', '_' and '.' only")
        }
        // The sample clock counts frames of the duration in 64 bits: a year is far inside, as is any session.
        if let duration, !(duration > 0 && duration <= Self.longestDurationSeconds) {
            throw ValidationError("--duration must be a number of seconds from above 0 to \(Int(Self.longestDurationSeconds)) (366 days)")
        }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level \(logLevel): use trace, debug, info, notice, warning, error or critical") }
        if let source {
            do {
                _ = try SourceSpec.parse(source)
            } catch {
                throw ValidationError(error is SourceSpecError ? "\(error)" : "--source \(source): \(error)")  // a usage error: exit 64
            }
        }
        if let checkSeconds, !(1...600).contains(checkSeconds) { throw ValidationError("--check must be between 1 and 600 seconds") }
    }

    func run() async throws {
        LoggingSystem.bootstrapForKetaMap(label: "ketamapd", level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "ketamapd")
        if let checkSeconds { return try await check(seconds: checkSeconds, logger: logger) }
        // From here on SIGTERM, SIGINT and SIGHUP stop the session, never kill it, also during set-up.
        let stopper = SessionStopper()
        StopSignals.deliver { number in
            logger.notice("\(StopSignals.name(number)) received: stopping the session")
            stopper.stop()
        }

        let configuration: Configuration
        do {
            configuration = try config.map { try ConfigurationLoader.load(path: $0) } ?? ConfigurationLoader.loadDefault()
        } catch {
            logger.critical("configuration refused", metadata: ["error": "\(error)"])
            throw ExitCode(ExitStatus.configuration.rawValue)  // systemd will not restart into the same error
        }
        let sessionID = session ?? SessionFiles.defaultSessionID()
        let sourceSpec = try source.map(SourceSpec.parse) ?? SourceSpec(configuration.source)
        let options = Session.Options(
            configuration: configuration, sessionID: sessionID,
            outputDirectory: outputDirectory ?? configuration.session.outputDirectory, source: sourceSpec, durationSeconds: duration,
            controlSocket: controlSocket ?? "\(configuration.session.controlDirectory)/\(sessionID).sock",
            realTime: pace == .realtime, softwareVersion: KetaMapVersion.current, applyScheduleToReplay: applySchedule,
            simulateStreams: source != nil && sourceSpec == .simulated)
        if stopper.isRequested {
            logger.notice("stopped before the session started: nothing was created")
            return
        }
        let session: Session
        do {
            session = try Session(options: options, logger: logger, stopper: stopper)
        } catch let error as ConfigError {
            logger.critical("configuration refused", metadata: ["error": "\(error)"])
            throw ExitCode(ExitStatus.configuration.rawValue)
        } catch let error as ReplayError {
            // A recording that cannot be replayed stays so: like a bad config, systemd must not retry it.
            logger.critical("recording refused", metadata: ["error": "\(error)"])
            throw ExitCode(ExitStatus.configuration.rawValue)
        } catch let refusal as ControlSocketPathRefusal {
            logger.critical("start refused", metadata: ["error": "\(refusal)"])
            throw ExitCode(ExitStatus.configuration.rawValue)  // a path that cannot be bound stays so
        } catch let refusal as DiskSpaceRefusal {
            logger.critical("start refused", metadata: ["error": "\(refusal)"])
            throw ExitCode(ExitStatus.diskTooFull.rawValue)  // the unit does not restart into a full disk
        } catch let held as SessionLock.Held {
            logger.critical("start refused: \(held)")
            throw ExitCode(ExitStatus.sessionRunning.rawValue)
        } catch {
            // The card or the output folder failed before recording began.
            let status: ExitStatus = error is ComediError ? .sourceFault : .storageFault
            logger.critical("the session could not start", metadata: ["error": "\(error)", "exit": "\(status.rawValue)"])
            throw ExitCode(status.rawValue)
        }
        do {
            try await session.run()
        } catch let fault as SessionFault {
            logger.error(
                "session ended on a fault; the file is closed with the fault in it",
                metadata: ["fault": "\(fault.reason)", "stage": "\(fault.stage.rawValue)", "file": "\(session.files.nwbPath)", "exit": "\(fault.exitStatus.rawValue)"])
            print(SessionSummary.render(session.board.snapshot()))
            throw ExitCode(fault.exitStatus.rawValue)
        }
        print(SessionSummary.render(session.board.snapshot()))
    }
}

extension Ketamapd {
    /// What `AsyncParsableCommand.main()` does, called from `main.swift` once the stop signals are held.
    static func parseAndRun() async {
        do {
            let command = try parse()
            try await command.run()
        } catch {
            exit(withError: error)
        }
    }
}
