import Foundation
import KetaMapControl
import KetaMapTestSupport
import Testing

/// `ketamapctl` run as a process against a running session, and `check`: output and exit status.
/// Every subcommand with no session and on recorded files: `KetamapctlExitStatusTests`.
@Suite("ketamapctl subcommands", .serialized)
struct KetamapctlTests {
    typealias Workspace = EndToEndTests.Workspace

    static func ctl(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), arguments, timeout: 120, environment: environment)
    }

    @Test("status, sessions, mark and dose against a running session; then report on its file")
    func againstARunningSession() async throws {
        let workspace = try Workspace(doseAt: nil)
        let daemon = try await workspace.startDaemon(session: "ctl")
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

        try await workspace.waitUntilRecorded(seconds: 4)  // band power rows for a baseline
        let dose = try await Self.ctl(["dose", "--amount", "0.5", "--unit", "mg/kg", "--route", "iv-bolus", "--session", "s"], environment: environment)
        #expect(dose.status == 0, "\(dose.error)")
        #expect(dose.output.hasPrefix("dose recorded as event 2: ketamine 0.5 mg/kg iv-bolus = 35 mg, 0.5 mg/kg at 70 kg"), "\(dose.output)")
        #expect(dose.output.contains("to correct it: ketamapctl void 2 --reason TEXT"))

        try await workspace.waitUntilRecorded(seconds: 7.5)  // a window after the dose
        daemon.signal(SIGTERM)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.error)")

        let report = try await Self.ctl(["report", workspace.nwb("ctl"), "--baseline", "1s", "--window", "0s..1s"])
        #expect(report.status == 0, "\(report.error)")
        #expect(report.output.hasPrefix("Dose: event 2: ketamine 0.5 mg/kg iv-bolus = 35 mg"), "\(report.output)")
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
}
