import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// The disk failing under a running `ketamapd`, on real file systems made by
/// the test: filled up (a tmpfs), and stalled (`fsfreeze` on a loop-mounted ext4).
@Suite("Disk faults", .serialized)
struct DiskFaultTests {
    typealias Workspace = EndToEndTests.Workspace
    static let bolus = ConcurrentDoseTests.bolus

    static func daemon(_ workspace: Workspace, session: String, outputDirectory: String, _ extra: [String] = []) throws -> ProcessRunner.Running {
        try ProcessRunner.start(
            ProcessRunner.binary("ketamapd"),
            ["--config", workspace.configPath, "--session", session, "--output-dir", outputDirectory, "--control-socket", workspace.socketPath] + extra)
    }

    /// Doses every 20 ms until the session stops answering; returns every acknowledged one.
    static func doseUntilGone(_ socket: String) async -> [DoseEvent] {
        var acknowledged: [DoseEvent] = []
        while let response = try? await ControlClient.send(ControlRequest(command: .dose, dose: bolus), to: socket, timeoutSeconds: 10) {
            if response.ok, let dose = response.dose { acknowledged.append(dose) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return acknowledged
    }

    @Test("the disk filling mid-session: exit 74 within seconds, the file closed valid with the fault, session-ended says why, every acknowledged dose in the file")
    func diskFull() async throws {
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        let disk = try await ScratchFilesystem.tmpfs(megabytes: 32)
        defer { disk.remove() }
        // 108 channels at 4 kHz: 0.86 MB/s, so 20 s pass the start's disk check (with the 8 MiB reserve); the ballast then takes the rest.
        let daemon = try Self.daemon(workspace, session: "full", outputDirectory: disk.path, ["--duration", "20"])
        try await workspace.waitUntilRecording()
        let socket = workspace.socketPath
        let dosing = Task { await Self.doseUntilGone(socket) }
        try await workspace.waitUntil("acknowledge a dose") { !$0.doses.isEmpty }
        let fillStarted = Date()
        try await disk.fill()
        let ended = try await daemon.wait(timeout: 90)
        let secondsToStop = Date().timeIntervalSince(fillStarted)
        let acknowledged = await dosing.value
        print("disk full: ketamapd stopped \(String(format: "%.2f", secondsToStop)) s after the disk began to fill; \(acknowledged.count) doses acknowledged")

        #expect(ended.status == ExitStatus.storageFault.rawValue, "\(ended.error)")
        #expect(secondsToStop < 15, "the session stops on the fault, it does not wait for --duration")
        #expect(ended.error.contains("session ended on a fault"))
        #expect(!acknowledged.isEmpty, "doses were acknowledged before the disk filled")

        let records = try EventLog.read(.init("\(disk.path)/full.events.jsonl"))
        let last = records.last
        #expect(last?.kind == .sessionEnded, "session-ended is written on the full disk")
        #expect(last?.detail?.isEmpty == false, "\(String(describing: last?.detail))")
        let refused = Set(records.compactMap(\.refusedEventID))
        let logged = records.compactMap(\.dose).filter { !refused.contains($0.eventID) }
        #expect(Set(acknowledged.map(\.eventID)).isSubset(of: Set(logged.map(\.eventID))), "every acknowledged dose is in the log")

        let reader = try NWBSessionReader(path: "\(disk.path)/full.nwb")
        defer { reader.close() }
        #expect(reader.faultNote?.isEmpty == false, "the fault is in /general/notes")
        #expect(reader.frameCount > 0)
        let inFile = Set(try reader.doses().map(\.sampleIndex))
        #expect(acknowledged.allSatisfy { inFile.contains($0.sampleIndex) }, "every acknowledged dose is in the file")
    }

    /// Sends `request`, and how long the answer took.
    static func timed(_ request: ControlRequest, _ socket: String, timeoutSeconds: Double) async -> (response: ControlResponse?, seconds: Double) {
        let start = Date()
        let response = try? await ControlClient.send(request, to: socket, timeoutSeconds: timeoutSeconds)
        return (response, Date().timeIntervalSince(start))
    }

    @Test("a frozen disk: status answers within 1 s throughout; a dose in the stall is stamped at its arrival and acknowledged once the disk is back, one stalled too long is refused after the stated timeout")
    func frozenDisk() async throws {
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        let disk = try await ScratchFilesystem.loopExt4(megabytes: 192)
        defer { disk.remove() }
        let daemon = try Self.daemon(workspace, session: "frozen", outputDirectory: disk.path, ["--duration", "150"])
        try await workspace.waitUntilRecording()
        let socket = workspace.socketPath
        let status = ControlRequest(command: .status)
        let dose = ControlRequest(command: .dose, dose: Self.bolus)
        let timeout = DoseDesk.defaultDurableTimeoutSeconds

        try await disk.freeze()
        var thawed = false
        defer { if !thawed { disk.thaw() } }
        let frozenAt = Date()
        // Sent at once: the disk stays frozen longer than the timeout, so it must be refused.
        let refusedDose = Task { await Self.timed(dose, socket, timeoutSeconds: 30) }
        var slowestStatus = 0.0
        while Date().timeIntervalSince(frozenAt) < timeout + 1 {
            let (answer, seconds) = await Self.timed(status, socket, timeoutSeconds: 1)
            #expect(answer?.ok == true, "status unanswered within 1 s while the disk is frozen")
            slowestStatus = max(slowestStatus, seconds)
            try await Task.sleep(for: .milliseconds(200))
        }
        // Sent later in the stall: the disk comes back within its timeout, so it must be acknowledged.
        let arrival = try #require(await Self.timed(status, socket, timeoutSeconds: 1).response?.status?.newestSample)
        let acknowledgedDose = Task { await Self.timed(dose, socket, timeoutSeconds: 30) }
        try await Task.sleep(for: .seconds(2))
        let departure = try #require(await Self.timed(status, socket, timeoutSeconds: 1).response?.status?.newestSample)
        disk.thaw()
        thawed = true
        let thawedAt = Date()
        print("frozen disk: slowest status \(String(format: "%.3f", slowestStatus)) s")

        let (refusal, refusalSeconds) = await refusedDose.value
        #expect(refusal?.ok == false, "a dose the disk never confirmed is refused")
        #expect(refusal?.error?.reason.contains("within \(timeout.formatted()) s") == true, "\(String(describing: refusal?.error))")
        #expect(refusalSeconds >= timeout - 0.5 && refusalSeconds < timeout + 3, "refused after the stated \(timeout) s, took \(refusalSeconds) s")
        let (acknowledgement, _) = await acknowledgedDose.value
        let acknowledged = try #require(acknowledgement?.dose, "a dose confirmed within its timeout is acknowledged: \(String(describing: acknowledgement?.error))")
        #expect(Date() >= thawedAt, "acknowledged only once durable")
        // The stamp is the sample the dose arrived at (status counts frames: the newest index is one less), not one after the thaw.
        #expect(acknowledged.sampleIndex + 1 >= arrival && acknowledged.sampleIndex < departure, "stamped \(acknowledged.sampleIndex), arrived within \(arrival)...\(departure)")

        daemon.signal(SIGTERM)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.error)")
        let records = try EventLog.read(.init("\(disk.path)/frozen.events.jsonl"))
        let refusedIDs = Set(records.compactMap(\.refusedEventID))
        let logged = records.compactMap(\.dose)
        #expect(logged.count == 2 && refusedIDs.count == 1, "the refused dose is logged and marked refused; \(records.map(\.kind))")
        #expect(!refusedIDs.contains(acknowledged.eventID))
        #expect(records.last?.kind == .sessionEnded)
        let reader = try NWBSessionReader(path: "\(disk.path)/frozen.nwb")
        defer { reader.close() }
        #expect(try reader.doses().map(\.sampleIndex) == [acknowledged.sampleIndex], "only the acknowledged dose is in the file")
        #expect(reader.faultNote == nil)
    }
}
