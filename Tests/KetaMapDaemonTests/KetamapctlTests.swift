import Foundation
import KetaMapControl
import KetaMapTestSupport
import Testing

/// Every `ketamapctl` subcommand run as a process: its output and its exit status.
@Suite("ketamapctl subcommands", .serialized)
struct KetamapctlTests {
    typealias Workspace = EndToEndTests.Workspace

    static func ctl(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), arguments, timeout: 120, environment: environment)
    }

    @Test("status, sessions, mark and dose against a running session; then report on its file")
    func againstARunningSession() async throws {
        let workspace = try Workspace(doseAt: nil)
        let daemon = try ProcessRunner.start(ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "ctl", []))
        try await workspace.waitUntilRecording()
        let environment = ["KETAMAP_RUN_DIR": workspace.directory.path]

        let status = try await Self.ctl(["status", "--json", "--socket", workspace.socketPath])
        #expect(status.status == 0, "\(status.error)")
        let decoded = try JSONDecoder().decode(SessionStatus.self, from: Data(status.output.utf8))
        #expect(decoded.sessionID == "ctl")
        #expect(decoded.channelCount == 108)

        let sessions = try await Self.ctl(["sessions", "--csv"], environment: environment)
        #expect(sessions.status == 0, "\(sessions.error)")
        #expect(sessions.output.hasPrefix("session,state,recorded,file,socket"))
        #expect(sessions.output.contains("ctl,recording,"))

        let mark = try await Self.ctl(["mark", "eyes open", "--socket", workspace.socketPath])
        #expect(mark.status == 0, "\(mark.error)")
        #expect(mark.output.hasPrefix("mark recorded as event 1 at sample "), "\(mark.output)")

        try await Self.waitUntilRecorded(seconds: 4, socket: workspace.socketPath)  // band power rows for a baseline
        let dose = try await Self.ctl(["dose", "--amount", "0.5", "--unit", "mg/kg", "--route", "iv-bolus", "--session", "s"], environment: environment)
        #expect(dose.status == 0, "\(dose.error)")
        #expect(dose.output.hasPrefix("dose recorded as event 2: ketamine 0.5 mg/kg iv-bolus = 35 mg, 0.5 mg/kg at 70 kg"), "\(dose.output)")
        #expect(dose.output.contains("to correct it: ketamapctl void 2 --reason TEXT"))

        try await Self.waitUntilRecorded(seconds: 7.5, socket: workspace.socketPath)  // a window after the dose
        daemon.signal(SIGTERM)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.error)")

        let report = try await Self.ctl(["report", workspace.nwb("ctl"), "--baseline", "1s", "--window", "0s..1s"])
        #expect(report.status == 0, "\(report.error)")
        #expect(report.output.hasPrefix("Dose: event 2: ketamine 0.5 mg/kg iv-bolus = 35 mg"), "\(report.output)")
    }

    /// Waits until the session's sample clock has passed `seconds`.
    static func waitUntilRecorded(seconds: Double, socket: String) async throws {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let status = try await ControlClient.send(ControlRequest(command: .status), to: socket).status, status.recordedSeconds >= seconds { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the session did not reach \(seconds) s")
    }

    @Test("check prints every channel's figures as JSON and exits with its verdict")
    func check() async throws {
        let workspace = try Workspace(doseAt: nil)
        let result = try await Self.ctl(["check", "--config", workspace.configPath, "--seconds", "1", "--json"])
        let report = try JSONDecoder().decode(ChannelCheckReport.self, from: Data(result.output.utf8))
        #expect(result.status == report.verdict.rawValue, "\(result.error)")
        #expect(report.verdict != .notReachable && report.verdict != .samplesLost)
        #expect(report.channels.count == 108)
        #expect(report.channels.allSatisfy { $0.rmsMicrovolts > 0 })
    }

    @Test("without a session: sessions and devices say so and exit 0; status cannot reach it and exits 3; a bad option exits 64")
    func withoutASession() async throws {
        let empty = try TemporaryFolder()
        let sessions = try await Self.ctl(["sessions"], environment: ["KETAMAP_RUN_DIR": empty.path])
        #expect(sessions.status == 0)
        #expect(sessions.output == "no running sessions in \(empty.path)\n")

        let devices = try await Self.ctl(["devices", "--directory", empty.path])
        #expect(devices.status == 0)
        #expect(devices.output.hasPrefix("no Comedi devices in \(empty.path)"))

        let status = try await Self.ctl(["status", "--socket", "\(empty.path)/none.sock"])
        #expect(status.status == StatusVerdict.notReachable.rawValue)
        #expect(status.error.contains("cannot reach the session at \(empty.path)/none.sock"))

        let report = try await Self.ctl(["report", "\(empty.path)/none.nwb"])
        #expect(report.status == 64)
        #expect(report.error.contains("none.nwb: no such file"))

        let bad = try await Self.ctl(["dose", "--amount", "lots"])
        #expect(bad.status == 64)
        #expect(bad.error.contains("--amount"))
    }
}
