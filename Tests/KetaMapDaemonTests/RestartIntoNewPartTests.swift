import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// What systemd's restart after a watchdog kill or a crash does to a session:
/// the same command again, with the same session id.
@Suite("Restart into a new part", .serialized)
struct RestartIntoNewPartTests {
    typealias Workspace = EndToEndTests.Workspace

    static let doseArguments = ["dose", "--drug", "ketamine", "--amount", "0.5", "--unit", "mg/kg", "--route", "iv-bolus"]

    @Test("a second run of a killed session writes <id>-2.nwb and <id>-2.events.jsonl; the first part is left byte for byte, keeps its acknowledged dose, and its space reserve is freed")
    func restartAfterKill() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/h5clear") else {
            Issue.record("h5clear is missing: apt-get install hdf5-tools")
            return
        }
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        let folder = workspace.directory.path
        let first = try await workspace.startDaemon(session: "part")
        let firstDose = try await workspace.ctl(Self.doseArguments)
        #expect(firstDose.status == 0, "\(firstDose.error)")
        first.signal(SIGKILL)  // as the watchdog's SIGABRT would: no handler runs, nothing is closed
        _ = try await first.wait(timeout: 30)
        let firstFile = try Data(contentsOf: URL(fileURLWithPath: workspace.nwb("part")))
        let firstLog = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/part.events.jsonl"))
        #expect(FileManager.default.fileExists(atPath: "\(folder)/.part.reserve"), "a killed session leaves its reserve")

        let second = try await workspace.startDaemon(session: "part")
        let status = try await ControlClient.send(ControlRequest(command: .status), to: workspace.socketPath).status
        #expect(status?.filePath == workspace.nwb("part-2"))
        #expect(status?.sessionID == "part")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/.part.reserve"), "the first part's reserve is freed")
        #expect(FileManager.default.fileExists(atPath: "\(folder)/.part-2.reserve"))
        let secondDose = try await workspace.ctl(Self.doseArguments)
        #expect(secondDose.status == 0, "\(secondDose.error)")
        second.signal(SIGTERM)
        let ended = try await second.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.error)")
        #expect(ended.error.contains("continuing the session in part 2"), "\(ended.error)")

        #expect(try Data(contentsOf: URL(fileURLWithPath: workspace.nwb("part"))) == firstFile, "the first part is untouched")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/part.events.jsonl")) == firstLog)
        let firstRecords = try EventLog.read(.init("\(folder)/part.events.jsonl"))
        #expect(firstRecords.map(\.kind) == [.sessionStarted, .weight, .dose], "killed: no session-ended (the config's weight is event 0)")
        let secondRecords = try EventLog.read(.init("\(folder)/part-2.events.jsonl"))
        #expect(secondRecords.map(\.kind) == [.sessionStarted, .weight, .dose, .sessionEnded])
        #expect(secondRecords.last?.detail == nil)

        // The second part is closed clean; the first opens once its SWMR flag is cleared, with its dose.
        let part2 = try NWBSessionReader(path: workspace.nwb("part-2"))
        #expect(part2.sessionID == "part" && part2.frameCount > 0 && part2.faultNote == nil)
        #expect(try part2.doses().map(\.sampleIndex) == secondRecords.compactMap(\.dose).map(\.sampleIndex))
        part2.close()
        let clear = try await ProcessRunner.run("/usr/bin/h5clear", ["-s", "--increment=0", workspace.nwb("part")], timeout: 30)
        #expect(clear.status == 0, "\(clear.error)")
        let part1 = try NWBSessionReader(path: workspace.nwb("part"))
        defer { part1.close() }
        #expect(part1.sessionID == "part" && part1.frameCount > 0)
        #expect(try part1.doses().map(\.sampleIndex) == firstRecords.compactMap(\.dose).map(\.sampleIndex), "the acknowledged dose is in the first part")
    }
}
