import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// The journal fields `ketamapd` writes under systemd, read back from a real
/// `systemd-journald`: the test runs one of its own in a private mount
/// namespace (`Tests/journal/private-journald.sh`), since systemd is not PID 1
/// here, and starts the daemon in that namespace with `JOURNAL_STREAM` set, as
/// systemd would.
@Suite("Journal fields", .serialized)
struct JournalFieldsTests {
    typealias Workspace = EndToEndTests.Workspace

    @Test("SESSION and PART on every session line, STAGE and the gap's range (GAP_FIRST_SAMPLE, GAP_END_SAMPLE, GAP_SAMPLES, GAP_CAUSE) on a real loss, as in the file; no subject id anywhere")
    func fieldsReadBack() async throws {
        let workspace = try Workspace(doseAt: nil) {
            Workspace.withoutProcessing($0).replacingOccurrences(of: "ring_seconds = 4 ", with: "ring_seconds = 0.1 ")
        }
        // Mounted before the namespace is made, so the daemon inside sees it; frozen from outside.
        let disk = try await ScratchFilesystem.loopExt4(megabytes: 96)
        defer { disk.remove() }
        let folder = workspace.directory.path
        let journal = try ProcessRunner.start(
            "/usr/bin/unshare", ["--mount", "--propagation", "private", "sh", ProcessRunner.repositoryRoot.appendingPathComponent("Tests/journal/private-journald.sh").path, folder])
        defer { if !journal.hasExited { journal.signal(SIGKILL) } }
        let started = Date()
        while !FileManager.default.fileExists(atPath: "\(folder)/ready") && !journal.hasExited && Date().timeIntervalSince(started) < 30 {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(FileManager.default.fileExists(atPath: "\(folder)/ready"), "the private journald did not start")

        let daemon = try ProcessRunner.start(
            "/usr/bin/nsenter",
            ["--target", "\(journal.processIdentifier)", "--mount", "--", ProcessRunner.binary("ketamapd")]
                + ["--config", workspace.configPath, "--session", "jrn", "--output-dir", disk.path, "--control-socket", workspace.socketPath, "--duration", "60"],
            environment: ["JOURNAL_STREAM": "8:1"])
        try await workspace.waitUntilRecording()
        try await StatusCommandTests.loseSamples(socket: workspace.socketPath, disk: disk)
        daemon.signal(SIGTERM)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.error)")
        #expect(ended.error.isEmpty, "under systemd the log goes to the journal, not to standard error: \(ended.error)")

        _ = FileManager.default.createFile(atPath: "\(folder)/stop", contents: nil)
        let stopped = try await journal.wait(timeout: 60)
        #expect(stopped.status == 0, "\(stopped.error)")
        let text = try String(contentsOfFile: "\(folder)/journal.json", encoding: .utf8)
        let records = text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["SYSLOG_IDENTIFIER"] as? String == "ketamapd" }

        let ready = try #require(records.first { $0["MESSAGE"] as? String == "session ready" }, "no `session ready` in \(records.count) records")
        #expect(ready["SESSION"] as? String == "jrn" && ready["PART"] as? String == "1")
        #expect(ready["PRIORITY"] as? String == "6")
        let sessionLines = records.filter { $0["SESSION"] != nil }
        #expect(sessionLines.allSatisfy { $0["SESSION"] as? String == "jrn" && $0["PART"] as? String == "1" })

        let lapped = records.filter { $0["MESSAGE"] as? String == "recorder fell a ring behind" }
        try #require(!lapped.isEmpty, "no loss in the journal: \(records.compactMap { $0["MESSAGE"] })")
        let reader = try NWBSessionReader(path: "\(disk.path)/jrn.nwb")
        defer { reader.close() }
        let gaps = try reader.gaps()
        for record in lapped {
            #expect(record["STAGE"] as? String == "recording" && record["GAP_CAUSE"] as? String == "ring-overrun" && record["PRIORITY"] as? String == "3")
            let first = UInt64(record["GAP_FIRST_SAMPLE"] as? String ?? "")
            let count = UInt64(record["GAP_SAMPLES"] as? String ?? "")
            let end = UInt64(record["GAP_END_SAMPLE"] as? String ?? "")
            #expect(first != nil && count != nil && first! + count! == end, "\(record)")
            #expect(gaps.contains { $0.firstSample == first && $0.sampleCount == count }, "the journal's gap \(record) is the file's")
        }
        #expect(!text.contains("sim01"), "the subject id reaches the journal")
    }
}
