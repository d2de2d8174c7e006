import ArgumentParser
import Foundation
import KetaMapCore
import KetaMapDaemon
import Logging
import KetaMapConfiguration
import KetaMapControl

/// `ketamapd`: records one session, from start until SIGTERM/SIGINT, `--duration`
/// or `ketamapctl … stop`; exits 0 after a clean close, non-zero on a fault.
@main
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

    @Option(help: ArgumentHelp("sim | comedi | replay:PATH[?channels=N&rate=HZ&uv_per_bit=X&loop]; default: the config's.", valueName: "source"))
    var source: String?

    @Option(name: .customLong("control-socket"), help: ArgumentHelp("Control socket; default: <run-dir>/<session>.sock.", valueName: "path"))
    var controlSocket: String?

    @Flag(name: .customLong("apply-schedule"), help: "With a replay source: record the config's [[schedule.dose]] entries (refused otherwise).")
    var applySchedule = false

    @Flag(help: "Pace the source to the wall clock (default), or run as fast as possible losing nothing.")
    var pace: Pace = .realtime

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    enum Pace: String, EnumerableFlag {
        case realtime
        case asFastAsPossible

        static func name(for value: Pace) -> NameSpecification {
            value == .realtime ? .customLong("realtime") : .customLong("as-fast-as-possible")
        }
    }

    func validate() throws {
        if let session, !SessionFiles.isValidSessionID(session) {
            throw ValidationError("--session \(session): use letters, digits, '-', '_' and '.' only")
        }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level \(logLevel): use trace, debug, info, notice, warning, error or critical") }
        if let source { _ = try SourceSpec.parse(source) }
    }

    func run() async throws {
        LoggingSystem.bootstrapForKetaMap(label: "ketamapd", level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "ketamapd")
        let configuration: Configuration
        do {
            configuration = try config.map { try ConfigurationLoader.load(path: $0) } ?? ConfigurationLoader.loadDefault()
        } catch {
            logger.critical("configuration refused", metadata: ["error": "\(error)"])
            throw ExitCode(78)  // EX_CONFIG: systemd will not restart into the same error
        }
        let sessionID = session ?? SessionFiles.defaultSessionID()
        let sourceSpec = try source.map(SourceSpec.parse) ?? SourceSpec(configuration.source)
        let options = Session.Options(
            configuration: configuration, sessionID: sessionID,
            outputDirectory: outputDirectory ?? configuration.session.outputDirectory, source: sourceSpec, durationSeconds: duration,
            controlSocket: controlSocket ?? "\(configuration.session.controlDirectory)/\(sessionID).sock",
            realTime: pace == .realtime, softwareVersion: KetaMapVersion.current, applyScheduleToReplay: applySchedule)
        let session: Session
        do {
            session = try Session(options: options, logger: logger)
        } catch let error as ConfigError {
            logger.critical("configuration refused", metadata: ["error": "\(error)"])
            throw ExitCode(78)
        } catch let refusal as DiskSpaceRefusal {
            logger.critical("start refused", metadata: ["error": "\(refusal)"])
            throw ExitCode(73)  // EX_CANTCREAT: the unit does not restart into a full disk
        }
        do {
            try await session.run()
        } catch {
            logger.error("session ended on a fault", metadata: ["error": "\(error)", "file": "\(session.files.nwbPath)"])
            print(SessionSummary.render(session.board.snapshot()))
            throw ExitCode.failure
        }
        print(SessionSummary.render(session.board.snapshot()))
    }
}
