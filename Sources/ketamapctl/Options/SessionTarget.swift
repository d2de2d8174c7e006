import ArgumentParser
import Foundation
import KetaMapControl
import KetaMapStorage

/// Which running session a command talks to: `--socket PATH` or `--session ID`
/// (its socket in the run directory). With neither, the only running session.
struct SessionTarget: ParsableArguments {
    @Option(help: ArgumentHelp("The session's control socket.", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("The session id; its socket is <run-dir>/<id>.sock.", valueName: "id"))
    var session: String?

    @Option(help: ArgumentHelp("Seconds to wait for the session's answer.", valueName: "seconds"))
    var timeout: Double = ControlClient.defaultTimeoutSeconds

    /// The folder holding control sockets: `$KETAMAP_RUN_DIR`, else `/run/ketamap`.
    static var runDirectory: String { ProcessInfo.processInfo.environment["KETAMAP_RUN_DIR"] ?? "/run/ketamap" }

    func validate() throws {
        if socket != nil && session != nil {
            throw ValidationError("Give either --socket or --session, not both.")
        }
        // The id names a file in the run directory: one as ketamapd takes, never a path out of it.
        if let session, !SessionFiles.isValidSessionID(session) {
            throw ValidationError("--session \(session): a session id has letters, digits, '-', '_' and '.' only")
        }
        guard timeout.isFinite, timeout >= 0.1, timeout <= 86_400 else {
            throw ValidationError("--timeout must be from 0.1 to 86400 seconds, got \(timeout)")
        }
    }

    /// The socket path to use; throws when it cannot be decided.
    func socketPath() throws -> String {
        if let socket { return socket }
        if let session { return "\(Self.runDirectory)/\(session).sock" }
        let running = Self.runningSockets()
        switch running.count {
        case 1: return running[0]
        case 0: throw ValidationError("No running session found in \(Self.runDirectory). Start one with `systemctl start ketamap-session@<id>`, or give --socket.")
        default:
            throw ValidationError("Several sessions are running; choose one with --session: \(running.map { ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".sock", with: "") }.joined(separator: ", "))")
        }
    }

    /// Every control socket in the run directory.
    static func runningSockets() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? []
        return names.filter { $0.hasSuffix(".sock") }.sorted().map { "\(runDirectory)/\($0)" }
    }
}
