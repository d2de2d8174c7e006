import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// Every way a session ends, at daemon level: the exit status, the file (valid,
/// with the fault when there was one) and the event log's last line.
@Suite("One fault path", .serialized)
struct FaultPathTests {
    typealias Workspace = EndToEndTests.Workspace

    static func daemon(_ workspace: Workspace, session: String, _ extra: [String] = []) throws -> ProcessRunner.Running {
        try ProcessRunner.start(ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: session, extra))
    }

    /// The last line of a session's event log.
    static func lastRecord(_ directory: String, _ session: String) throws -> EventRecord? {
        try EventLog.read(.init("\(directory)/\(session).events.jsonl")).last
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test("SIGHUP and SIGINT stop a session as SIGTERM does: exit 0, session-ended, a file that opens without h5clear; files are 0640, the socket 0660")
    func hangUpIsAStop() async throws {
        for (signal, session) in [(SIGHUP, "hup"), (SIGINT, "int")] {
            let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
            let daemon = try Self.daemon(workspace, session: session)
            try await workspace.waitUntilRecording()
            #expect(try Self.mode(workspace.socketPath) & 0o777 == 0o660)
            #expect(try Self.mode(workspace.nwb(session)) & 0o777 == 0o640)
            #expect(try Self.mode("\(workspace.directory.path)/\(session).events.jsonl") & 0o777 == 0o640)
            daemon.signal(signal)
            let ended = try await daemon.wait(timeout: 60)
            #expect(ended.status == 0, "\(ended.error)")
            let last = try Self.lastRecord(workspace.directory.path, session)
            #expect(last?.kind == .sessionEnded && last?.detail == nil)
            #expect(!FileManager.default.fileExists(atPath: workspace.socketPath))
            let reader = try NWBSessionReader(path: workspace.nwb(session))
            #expect(reader.frameCount > 0 && reader.faultNote == nil)
            reader.close()
        }
    }

    /// Waits until the process has run its first statement (it catches SIGTERM): before that it is
    /// still being loaded by the kernel, has touched nothing, and dies of the signal as any program does.
    static func waitUntilSignalsCaught(_ daemon: ProcessRunner.Running) async throws {
        let status = "/proc/\(daemon.processIdentifier)/status"
        let sigterm = UInt64(1) << (UInt64(SIGTERM) - 1)
        for _ in 0..<2000 {
            let text = (try? String(contentsOfFile: status, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
                let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16), mask & sigterm != 0
            {
                return
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("ketamapd never caught SIGTERM")
    }

    @Test("SIGTERM at any moment of set-up ends the session cleanly: exit 0, and whatever was created is closed and valid")
    func signalDuringSetUp() async throws {
        for (attempt, delayMicroseconds) in [0, 20_000, 60_000, 150_000, 400_000].enumerated() {
            let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
            let session = "early\(attempt)"
            let daemon = try Self.daemon(workspace, session: session)
            try await Self.waitUntilSignalsCaught(daemon)
            try await Task.sleep(for: .microseconds(delayMicroseconds))
            daemon.signal(SIGTERM)
            let ended = try await daemon.wait(timeout: 60)
            #expect(ended.status == 0, "SIGTERM after \(delayMicroseconds) µs: \(ended.error)")
            if FileManager.default.fileExists(atPath: "\(workspace.directory.path)/\(session).events.jsonl") {
                #expect(try Self.lastRecord(workspace.directory.path, session)?.kind == .sessionEnded)
                let reader = try NWBSessionReader(path: workspace.nwb(session))
                reader.close()
            }
            #expect(!FileManager.default.fileExists(atPath: workspace.nwb(session) + ".creating"))
        }
    }

    @Test("a second start of a running session id is refused at once (exit 75), naming the running pid, touching no file or socket")
    func secondStartRefused() async throws {
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        let first = try Self.daemon(workspace, session: "twice")
        try await workspace.waitUntilRecording()
        let before = try FileManager.default.contentsOfDirectory(atPath: workspace.directory.path).sorted()
        let startedAt = Date()
        let second = try await ProcessRunner.run(ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "twice", []), timeout: 30)
        #expect(second.status == ExitStatus.sessionRunning.rawValue)
        #expect(Date().timeIntervalSince(startedAt) < 5)
        #expect(second.error.contains("pid \(first.processIdentifier)"), "\(second.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.directory.path).sorted() == before)
        let status = try await ControlClient.send(ControlRequest(command: .status), to: workspace.socketPath)
        #expect(status.status?.state == .recording, "the first session's socket is still its own")
        first.signal(SIGTERM)
        #expect(try await first.wait(timeout: 60).status == 0)
        let reader = try NWBSessionReader(path: workspace.nwb("twice"))
        #expect(reader.frameCount > 0)
        reader.close()
    }

    @Test("a control socket path that can never be bound is refused before anything is created: exit 78, no file", arguments: ["long", "file", "folder"])
    func unbindableSocketPathRefused(_ kind: String) async throws {
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        let path: String
        switch kind {
        case "long": path = workspace.directory.path + "/" + String(repeating: "s", count: 120) + ".sock"  // beyond sun_path's 108 bytes
        case "file":
            path = workspace.directory.path + "/notes.txt"
            #expect(FileManager.default.createFile(atPath: path, contents: Data("not a socket".utf8)))
        default:
            path = workspace.directory.path + "/folder.sock"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        let ended = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            ["--config", workspace.configPath, "--session", "nosock", "--output-dir", workspace.directory.path, "--control-socket", path], timeout: 60)
        #expect(ended.status == ExitStatus.configuration.rawValue, "\(ended.error)")
        #expect(ended.error.contains("control socket \(path)"), "\(ended.error)")
        #expect(!FileManager.default.fileExists(atPath: workspace.nwb("nosock")), "no session file")
    }

    @Test("a control socket that cannot be bound ends the session: exit 71, the file closed valid with the fault, session-ended says why")
    func socketBindFailure() async throws {
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        // A stale socket (and its lock) in a folder made immutable: binding must unlink the stale socket, and even root cannot.
        let sockets = workspace.directory.path + "/sockets"
        try FileManager.default.createDirectory(atPath: sockets, withIntermediateDirectories: false)
        let staleSocket = sockets + "/c.sock"
        let stale = try await ProcessRunner.run("/usr/bin/python3", ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", staleSocket])
        #expect(stale.status == 0, "\(stale.error)")
        #expect(FileManager.default.createFile(atPath: staleSocket + ".lock", contents: Data()))
        #expect(try await ProcessRunner.run("/usr/bin/chattr", ["+i", sockets]).status == 0, "chattr +i (e2fsprogs) on an ext4 folder")
        defer { _ = ProcessRunner.runBlocking("/usr/bin/chattr", ["-i", sockets]) }
        let started = Date()
        let ended = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            ["--config", workspace.configPath, "--session", "nosock", "--output-dir", workspace.directory.path, "--control-socket", staleSocket],
            timeout: 60)
        #expect(ended.status == ExitStatus.controlFault.rawValue, "\(ended.error)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(ended.error.contains("session ended on a fault"))
        let last = try Self.lastRecord(workspace.directory.path, "nosock")
        #expect(last?.kind == .sessionEnded)
        #expect(last?.detail?.contains("control socket failed") == true, "\(String(describing: last?.detail))")
        let reader = try NWBSessionReader(path: workspace.nwb("nosock"))
        #expect(reader.faultNote?.contains("control socket failed") == true)
        reader.close()
    }
}
