import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// Who gets in, with real accounts made by the test: a local user outside
/// group `ketamap`, and a member of it, each running `ketamapctl` as themselves.
@Suite("Control socket access", .serialized)
struct SocketAccessTests {
    typealias Workspace = EndToEndTests.Workspace

    /// Two accounts for one test (and the group `ketamap`, if the machine has none), removed by `remove()`.
    final class Accounts {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        var outsider: String { "kmout\(suffix)" }
        var member: String { "kmin\(suffix)" }
        private var createdGroup = false

        init() async throws {
            guard geteuid() == 0 else { throw ScratchFilesystem.Refused(reason: "creating test accounts needs root (CI runs as root)") }
            if POSIXCalls.groupID(named: "ketamap") == nil {
                try await ScratchFilesystem.tool(["groupadd", "--system", "ketamap"])
                createdGroup = true
            }
            try await ScratchFilesystem.tool(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", outsider])
            try await ScratchFilesystem.tool(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", "--groups", "ketamap", member])
        }

        func uid(_ name: String) async throws -> UInt32 {
            try #require(UInt32(try await ScratchFilesystem.tool(["id", "-u", name]).output.trimmingCharacters(in: .whitespacesAndNewlines)))
        }

        /// Runs `arguments` as `user` with the user's own groups.
        func run(as user: String, _ arguments: [String]) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run("/usr/bin/setpriv", ["--reuid=\(user)", "--regid=\(user)", "--init-groups", "--"] + arguments, timeout: 60)
        }

        /// Blocking: called from a `defer`.
        func remove() {
            for user in [outsider, member] { ProcessRunner.runBlocking("/usr/bin/env", ["userdel", user]) }
            if createdGroup { ProcessRunner.runBlocking("/usr/bin/env", ["groupdel", "ketamap"]) }
        }
    }

    /// Sends one raw request line with the system Python (any user can run it) and prints the reply or the error.
    static func rawRequest(_ line: String, socket: String) -> [String] {
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1])
            except OSError as e:
                print("refused:", e.strerror); sys.exit(3)
            s.sendall(sys.argv[2].encode() + b"\\n"); s.shutdown(socket.SHUT_WR)
            print(s.makefile().readline().strip())
            """
        return ["/usr/bin/python3", "-c", script, socket, line]
    }

    @Test("a user outside group ketamap cannot connect: dose and stop refused, nothing logged; a member doses, recorded under its own account name and uid, and is refused stop")
    func realUsers() async throws {
        let accounts = try await Accounts()
        defer { accounts.remove() }
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        try await ScratchFilesystem.tool(["chmod", "0755", workspace.directory.path])  // the socket's folder: anyone may look for it
        let daemon = try await workspace.startDaemon(session: "access")
        let ctl = ProcessRunner.binary("ketamapctl"), socket = workspace.socketPath
        let dose = [ctl, "dose", "--drug", "ketamine", "--amount", "0.2", "--unit", "mg/kg", "--route", "iv-bolus", "--socket", socket]

        let outsiderDose = try await accounts.run(as: accounts.outsider, dose + ["--operator", "Intruder"])
        #expect(outsiderDose.status != 0, "\(outsiderDose.output)")
        #expect((outsiderDose.output + outsiderDose.error).lowercased().contains("permission denied"), "\(outsiderDose.output)\(outsiderDose.error)")
        let outsiderStop = try await accounts.run(as: accounts.outsider, Self.rawRequest(#"{"command":"stop"}"#, socket: socket))
        #expect(outsiderStop.status == 3 && outsiderStop.output.contains("Permission denied"), "\(outsiderStop.output)\(outsiderStop.error)")

        let memberDose = try await accounts.run(as: accounts.member, dose + ["--operator", "RN Member"])
        #expect(memberDose.status == 0, "\(memberDose.output)\(memberDose.error)")
        let memberStop = try await accounts.run(as: accounts.member, Self.rawRequest(#"{"command":"stop"}"#, socket: socket))
        let stopReply = try JSONDecoder().decode(ControlResponse.self, from: Data(memberStop.output.utf8))
        #expect(!stopReply.ok && stopReply.error?.field == "stop", "\(memberStop.output)")
        let status = try await ControlClient.send(ControlRequest(command: .status), to: socket).status
        #expect(status?.state == .recording, "a member's stop does not stop the session")

        daemon.signal(SIGTERM)
        #expect(try await daemon.wait(timeout: 60).status == 0)
        let records = try EventLog.read(.init("\(workspace.directory.path)/access.events.jsonl"))
        let doses = records.compactMap(\.dose)
        #expect(doses.count == 1, "only the member's dose is recorded")
        #expect(doses.first?.peer?.uid == (try await accounts.uid(accounts.member)), "recorded under the member's own uid")
        #expect(doses.first?.operatorAccount == accounts.member, "and under the member's account name")
        #expect(doses.first?.request.operator == "RN Member")
        #expect(!records.contains { $0.kind == .stopRequested }, "no refused stop reaches the log")
        let reader = try NWBSessionReader(path: workspace.nwb("access"))
        defer { reader.close() }
        let inFile = try reader.doses()
        #expect(inFile.map(\.sampleIndex) == doses.map(\.sampleIndex))
        #expect(inFile.first?.operatorAccount == accounts.member, "the file names the member too")
    }
}
