import ArgumentParser
import Foundation
import KetaMapConfiguration
import KetaMapStorage

/// Which recorded session a command reads: the session file's path, or its
/// stem in `--dir` (default: the configured output folder).
struct SessionFilesArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The session: its .nwb file, or its id (file stem) in --dir.", valueName: "session"))
    var session: String

    @Option(help: ArgumentHelp("The folder holding the session's files; default: the default config's output folder.", valueName: "dir"))
    var dir: String?

    func validate() throws {
        guard !session.isEmpty else { throw ValidationError("name the session: its .nwb file, or its id") }
        // An empty folder would be taken as the root of the file system.
        if let dir, dir.isEmpty { throw ValidationError("--dir must name the folder holding the session's files") }
    }

    var files: SessionFiles {
        let directory = dir ?? ((try? ConfigurationLoader.loadDefault().session.outputDirectory) ?? ".")
        return SessionRecovery.files(for: session, directory: directory)
    }
}

/// Exit statuses of `recover` and `verify` (sysexits.h where one fits).
enum SessionFilesExit: Int32 {
    case consistent = 0
    /// verify: the files disagree, or changed after the close.
    case inconsistent = 1
    /// verify: the session was never closed; run `ketamapctl recover`.
    case notClosed = 2
    /// The session's files are not there (EX_NOINPUT).
    case notFound = 66
    /// The session is still being recorded (EX_TEMPFAIL).
    case running = 75
    /// The file could not be read or mended (EX_IOERR).
    case unreadable = 74

    /// The status for a failure of `recover` or `verify`.
    static func of(_ error: any Error) -> SessionFilesExit {
        switch error {
        case SessionRecovery.Failure.running: .running
        case SessionRecovery.Failure.notFound, SessionRecovery.Failure.noEventLog, SessionRecovery.Failure.killedInSetUp: .notFound
        default: .unreadable
        }
    }
}
