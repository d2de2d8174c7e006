import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// After `kill -9`: `ketamapctl recover` and `ketamapctl verify` on real
/// crashed sessions, and the manifest every clean close writes.
@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    typealias Workspace = EndToEndTests.Workspace

    static func ctl(_ arguments: [String]) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), arguments, timeout: 120)
    }

    @Test("a clean close writes a SHA-256 manifest that sha256sum -c accepts; verify says consistent (exit 0), recover leaves it alone; a changed byte makes verify exit 1, as does a line added to the event log (which recover refuses, 74)")
    func cleanCloseManifest() async throws {
        let workspace = try Workspace(doseAt: 1, edit: Workspace.withoutProcessing)
        let run = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "clean", ["--duration", "3", "--as-fast-as-possible"]))
        #expect(run.status == 0, "\(run.error)")
        let directory = workspace.directory.path
        let manifest = try String(contentsOfFile: "\(directory)/clean.sha256", encoding: .utf8)
        #expect(manifest.contains("  clean.nwb\n") && manifest.contains("  clean.events.jsonl\n"))
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/.clean.reserve"), "a clean close gives the reserve back")
        let sums = try await ProcessRunner.run("/usr/bin/env", ["sh", "-c", "cd '\(directory)' && sha256sum -c clean.sha256"], timeout: 60)
        #expect(sums.status == 0, "\(sums.output)\(sums.error)")

        let verified = try await Self.ctl(["verify", workspace.nwb("clean")])
        #expect(verified.status == 0 && verified.output.contains("consistent"), "\(verified.output)\(verified.error)")
        #expect(verified.output.contains("1 dose(s) and 0 mark(s), as the event log records them"), "\(verified.output)")
        let recovered = try await Self.ctl(["recover", "clean", "--dir", directory])
        #expect(recovered.status == 0 && recovered.output.contains("nothing to recover"), "\(recovered.output)\(recovered.error)")

        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: workspace.nwb("clean")))
        try file.seekToEnd()
        try file.write(contentsOf: Data(count: 16))  // HDF5 still opens it; only the digest can tell
        try file.close()
        let tampered = try await Self.ctl(["verify", workspace.nwb("clean")])
        #expect(tampered.status == 1 && tampered.output.contains("clean.nwb changed after the close"), "\(tampered.output)\(tampered.error)")
        #expect(try await Self.ctl(["verify", "\(directory)/absent.nwb"]).status == 66)

        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/clean.events.jsonl"))
        try log.seekToEnd()
        try log.write(contentsOf: Data("not a record\n".utf8))  // a whole line: ketamapd never writes one
        try log.close()
        let edited = try await Self.ctl(["verify", workspace.nwb("clean")])
        #expect(edited.status == 1 && edited.output.contains("of \(directory)/clean.events.jsonl is not an event record"), "\(edited.output)\(edited.error)")
        let unrecoverable = try await Self.ctl(["recover", workspace.nwb("clean")])
        #expect(unrecoverable.status == 74 && unrecoverable.error.contains("is not an event record"), "\(unrecoverable.error)")
    }

    @Test("recover after kill -9: clears the writer mark, drops a torn last line, adds a dose logged but never written, writes the note, session-ended and the manifest; verify is then clean; a running session is refused (75)")
    func recoverAfterKill() async throws {
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        let daemon = try await workspace.startDaemon(session: "killed")
        // Past one flush, so the file holds more samples than channels (nwbinspector reads time as the longer axis).
        try await workspace.waitUntil("write 3 s", { $0.framesWritten >= 12_000 })
        let acknowledged = try #require(try await ControlClient.send(ControlRequest(command: .dose, dose: ConcurrentDoseTests.bolus), to: workspace.socketPath).dose)
        let refusedWhileRunning = try await Self.ctl(["recover", workspace.nwb("killed")])
        #expect(refusedWhileRunning.status == 75 && refusedWhileRunning.error.contains("pid \(daemon.processIdentifier)"), "\(refusedWhileRunning.error)")
        #expect(try await Self.ctl(["verify", workspace.nwb("killed")]).status == 75)
        daemon.signal(SIGKILL)
        _ = try await daemon.wait(timeout: 30)

        // The moment of the kill as it also happens: a dose logged (synced) whose row never reached the file, and a line cut short.
        let logPath = "\(workspace.directory.path)/killed.events.jsonl"
        let logged = try Self.logDoseNeverWritten(after: acknowledged, samples: 400, rateHz: 4000, session: "killed", to: logPath, tornLine: true)
        #expect(try await Self.ctl(["verify", workspace.nwb("killed")]).status == 2, "a crashed session is not closed")

        let killedBytes = try Self.size(workspace.nwb("killed"))
        let recovered = try await Self.ctl(["recover", workspace.nwb("killed")])
        #expect(recovered.status == 0, "\(recovered.output)\(recovered.error)")
        #expect(try Self.size(workspace.nwb("killed")) >= killedBytes, "recover keeps every byte the writer wrote")
        for words in ["cleared the SWMR writer mark", "dropped the event log's last line", "1 dose(s) and 0 mark(s)", "wrote session-ended", "deleted the disk reserve", "wrote the manifest"] {
            #expect(recovered.output.contains(words), "recover says: \(recovered.output)")
        }
        let verified = try await Self.ctl(["verify", workspace.nwb("killed")])
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
        #expect(try await Self.ctl(["recover", workspace.nwb("killed")]).output.contains("nothing to recover"), "a second recover changes nothing")

        let reader = try NWBSessionReader(path: workspace.nwb("killed"))
        defer { reader.close() }
        let doses = try reader.doses()
        #expect(doses.map(\.sampleIndex) == [acknowledged.sampleIndex, logged.sampleIndex])
        #expect(doses.last?.request.note.contains(SessionRecovery.recoveredTag) == true)
        #expect(reader.faultNote?.contains("recovered by ketamapctl recover") == true, "\(String(describing: reader.faultNote))")
        let records = try EventLog.read(.init(logPath))
        #expect(records.last?.kind == .sessionEnded)
        guard let facts = try await workspace.facts("killed", inspect: true) else { return }
        #expect(facts["problems"] as? [String] == [], "the recovered file passes pynwb and nwbinspector")
    }

    /// The moment of a kill as it happens: a dose `samples` after `acknowledged`,
    /// appended (synced) to the event log at `logPath` but never written to the
    /// file, and with `tornLine` the start of a next line the kill cut short.
    static func logDoseNeverWritten(
        after acknowledged: DoseEvent, samples: UInt64, rateHz: Double, session: String, to logPath: String, tornLine: Bool
    ) throws -> DoseEvent {
        let logged = DoseEvent(
            stamping: acknowledged.request, atSample: acknowledged.sampleIndex + samples, rateHz: rateHz, weightKilograms: acknowledged.normalized.weightKilograms,
            wallClock: acknowledged.wallClock, eventID: 99, peer: acknowledged.peer, operatorAccount: acknowledged.operatorAccount)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        try log.write(contentsOf: try encoder.encode(EventRecord(kind: .dose, sessionID: session, dose: logged)) + Data((tornLine ? "\n{\"kind\":\"do" : "\n").utf8))
        try log.close()
        return logged
    }

    @Test("the crash drill: 20 kill -9 at random moments while 4 clients dose; each session recovers and verifies clean, every acknowledged dose in the file")
    func crashDrill() async throws {
        let seed = UInt64(Date().timeIntervalSince1970)
        var random = SplitMix64(seed: seed)
        // The kill's moment is a random point of the session's clock (0.2–2 s in), not of the wall clock.
        let killAts = (0..<20).map { _ in 0.2 + Double(random.next() % 1800) / 1000 }
        // Four sessions at a time, each in a folder of its own: the drill waits on session clocks, not on the CPU.
        let lanes = 4
        let outcomes = try await withThrowingTaskGroup(of: [DrillOutcome].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var outcomes: [DrillOutcome] = []
                    for run in stride(from: lane, to: killAts.count, by: lanes) {
                        outcomes.append(try await Self.killAndRecover(run: run, killAt: killAts[run], seed: seed))
                    }
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(outcomes.count == 20)
        let lostSeconds = outcomes.map(\.lostSeconds)
        let acknowledgedTotal = outcomes.reduce(0) { $0 + $1.acknowledged }, recoveredTotal = outcomes.reduce(0) { $0 + $1.recovered }
        let mean = lostSeconds.reduce(0, +) / Double(lostSeconds.count)
        print(
            "crash drill (seed \(seed)): 20 kills, \(acknowledgedTotal) doses acknowledged, all in the file; \(recoveredTotal) logged but unwritten doses added by recover; samples lost per crash: mean \(String(format: "%.2f", mean)) s, max \(String(format: "%.2f", lostSeconds.max() ?? 0)) s at 4 kHz"
        )
    }

    static func size(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
    }

    /// What one run of the drill found: doses acknowledged, doses `recover` added, seconds of samples lost.
    struct DrillOutcome: Sendable {
        var acknowledged: Int
        var recovered: Int
        var lostSeconds: Double
    }

    /// One run of the drill: a session with four dosing clients, killed once it has recorded
    /// `killAt` s; then `recover`, `verify`, and every acknowledged dose looked up in the file.
    static func killAndRecover(run: Int, killAt: Double, seed: UInt64) async throws -> DrillOutcome {
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        let session = "drill\(run)"
        let daemon = try await workspace.startDaemon(session: session)
        let socket = workspace.socketPath
        let clients = (0..<4).map { _ in Task { await DiskFaultTests.doseUntilGone(socket) } }
        let newest = try await workspace.waitUntilRecorded(seconds: killAt)?.newestSample ?? 0
        daemon.signal(SIGKILL)
        _ = try await daemon.wait(timeout: 30)
        var acknowledged: [DoseEvent] = []
        for client in clients { acknowledged += await client.value }

        let killedBytes = try Self.size(workspace.nwb(session))
        let recovered = try await Self.ctl(["recover", workspace.nwb(session)])
        #expect(recovered.status == 0, "run \(run) (seed \(seed)): \(recovered.output)\(recovered.error)")
        // A killed writer's superblock often ends short of what it wrote; recover must not cut the file there.
        #expect(try Self.size(workspace.nwb(session)) >= killedBytes, "run \(run) (seed \(seed)): recover shortened the file")
        let verified = try await Self.ctl(["verify", workspace.nwb(session)])
        #expect(verified.status == 0, "run \(run) (seed \(seed)): \(verified.output)\(verified.error)")
        let reader = try NWBSessionReader(path: workspace.nwb(session))
        defer { reader.close() }
        let inFile = Set(try reader.doses().map(\.sampleIndex))
        let missing = acknowledged.filter { !inFile.contains($0.sampleIndex) }
        #expect(missing.isEmpty, "run \(run) (seed \(seed)): acknowledged doses missing from the file: \(missing.map(\.sampleIndex))")
        let lost = Double(newest) - Double(reader.frameCount) > 0 ? (Double(newest) - Double(reader.frameCount)) / 4000 : 0
        return DrillOutcome(
            acknowledged: acknowledged.count, recovered: recovered.output.components(separatedBy: "\n  + dose").count - 1, lostSeconds: lost)
    }
}
