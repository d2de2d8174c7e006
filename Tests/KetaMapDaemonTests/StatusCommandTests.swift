import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// `ketamapctl status` and `check` as a script and a technician use them:
/// exit codes, `--json` against its documented schema, `--watch` in a
/// pseudo-terminal of 80×24.
@Suite("ketamapctl status and check", .serialized)
struct StatusCommandTests {
    /// The end-to-end workspace with no line noise and no artifacts (nothing to flag),
    /// or with the default simulator (RIN8, marked bad in channels.tsv, picks up six times the mains).
    static func workspace(clean: Bool) throws -> EndToEndTests.Workspace {
        try EndToEndTests.Workspace(doseAt: nil) { text in
            guard clean else { return text }
            return text.replacingOccurrences(of: "line_noise_uv = 8", with: "line_noise_uv = 0")
                .replacingOccurrences(of: "artifacts_per_minute = 0.5", with: "artifacts_per_minute = 0")
                .replacingOccurrences(of: "line_frequency_hz = 50     #", with: "line_frequency_hz = 0      #")
        }
    }

    /// Starts a session and waits until its channels have figures.
    static func running(_ workspace: EndToEndTests.Workspace, session: String) async throws -> ProcessRunner.Running {
        let daemon = try await workspace.startDaemon(session: session, ["--duration", "120"])
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let result = try? await workspace.ctl(["status", "--json"]),
                let status = try? JSONDecoder().decode(SessionStatus.self, from: Data(result.output.utf8)),
                status.recordedSeconds > 3, status.channels.allSatisfy({ $0.rmsMicrovolts > 0 })
            {
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return daemon
    }

    /// Validates `json` against `docs/schemas/<schema>` with Python's jsonschema.
    static func expectValid(_ json: String, schema: String) async throws {
        guard let python = ProcessRunner.python() else { return }
        let folder = try TemporaryFolder("json")
        let file = folder.path("document.json")
        try json.write(toFile: file, atomically: true, encoding: .utf8)
        let root = ProcessRunner.repositoryRoot
        let result = try await ProcessRunner.run(python, [
            root.appendingPathComponent("Tests/python/validate_json.py").path, root.appendingPathComponent("docs/schemas/\(schema)").path, file,
        ])
        #expect(result.status == 0, "not valid against \(schema): \(result.output)\(result.error)")
    }

    @Test("status: 0 all good, 1 with a NOISY contact, 3 when not reachable; --json follows docs/schemas/status.schema.json")
    func statusExitCodes() async throws {
        let clean = try Self.workspace(clean: true)
        let good = try await Self.running(clean, session: "good")
        let allGood = try await clean.ctl(["status"])
        #expect(allGood.status == 0, "\(allGood.output)")
        #expect(allGood.output.contains("flagged none of 108 channels"))
        let json = try await clean.ctl(["status", "--json"])
        #expect(json.status == 0)
        try await Self.expectValid(json.output, schema: "status.schema.json")
        let status = try JSONDecoder().decode(SessionStatus.self, from: Data(json.output.utf8))
        #expect(status.bands == ["delta", "theta", "alpha", "beta", "gamma", "high_gamma"])
        #expect(status.channels.contains { $0.bandPowerDecibels.compactMap { $0 }.count == 6 })
        #expect((status.diskHoursLeft ?? 0) > 0 && (status.diskFreeBytes ?? 0) > 0)
        good.signal(SIGTERM)
        _ = try await good.wait(timeout: 60)
        let gone = try await clean.ctl(["status"])
        #expect(gone.status == 3)
        #expect(gone.error.contains("not reachable"))

        let noisy = try Self.workspace(clean: false)
        let session = try await Self.running(noisy, session: "noisy")
        defer { session.stopBlocking(timeout: 60) }
        // Figures are refreshed twice a second from 0.1 s windows; on a loaded machine one
        // refresh may lag, so the flag is awaited for a few refreshes before it is required.
        var flagged = try await noisy.ctl(["status"])
        let deadline = Date().addingTimeInterval(15)
        while !(flagged.status == 1 && flagged.output.contains("  RIN8     NOISY")) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(500))
            flagged = try await noisy.ctl(["status"])
        }
        #expect(flagged.status == 1, "\(flagged.output)")
        let line = flagged.output.split(separator: "\n").first { $0.hasPrefix("  RIN8 ") }
        #expect(line?.contains("NOISY") == true, "RIN8 (marked bad: high impedance, much mains pickup) is flagged: \(flagged.output)")
        let flaggedJSON = try await noisy.ctl(["status", "--json"])
        let answer = try JSONDecoder().decode(SessionStatus.self, from: Data(flaggedJSON.output.utf8))
        #expect(flaggedJSON.status == ChannelHealth.verdict(lostFrames: answer.lostFrames, channels: answer.channels).rawValue)
        try await Self.expectValid(flaggedJSON.output, schema: "status.schema.json")
    }

    @Test("status exits 2 once samples were lost for real: a recorder held up by a frozen disk (fsfreeze) laps a 0.1 s ring; text and --json say LOST, the file holds the gap")
    func statusExitsTwoAfterLoss() async throws {
        let workspace = try EndToEndTests.Workspace(doseAt: nil) {
            EndToEndTests.Workspace.withoutProcessing($0).replacingOccurrences(of: "ring_seconds = 4 ", with: "ring_seconds = 0.1 ")
        }
        let disk = try await ScratchFilesystem.loopExt4(megabytes: 96)
        defer { disk.remove() }
        // An hour would not fit the scratch disk: the start check wants room for the planned minute.
        let daemon = try DiskFaultTests.daemon(workspace, session: "lossy", outputDirectory: disk.path, ["--duration", "60"])
        try await workspace.waitUntilRecording()
        let before = try await workspace.ctl(["status"])
        #expect(before.status == 0, "nothing lost yet: \(before.output)")

        try await Self.loseSamples(socket: workspace.socketPath, disk: disk)

        let text = try await workspace.ctl(["status"])
        #expect(text.status == 2, "\(text.output)")
        #expect(text.output.contains("LOST "), "\(text.output)")
        let json = try await workspace.ctl(["status", "--json"])
        #expect(json.status == 2)
        let decoded = try JSONDecoder().decode(SessionStatus.self, from: Data(json.output.utf8))
        #expect(decoded.lostFrames > 0 && decoded.gapCount > 0)
        try await Self.expectValid(json.output, schema: "status.schema.json")

        daemon.signal(SIGTERM)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "a loss is recorded, not a fault: \(ended.error)")
        let reader = try NWBSessionReader(path: "\(disk.path)/lossy.nwb")
        defer { reader.close() }
        let gaps = try reader.gaps()
        #expect(gaps.reduce(0) { $0 + $1.sampleCount } >= decoded.lostFrames && gaps.allSatisfy { $0.cause == .ringOverrun })
    }

    /// Makes a session lose samples for real: freezes `disk` (the session's folder) until acquisition is
    /// two rings past what the recorder stored, thaws it, and waits until the recorder reports the loss.
    static func loseSamples(socket: String, disk: ScratchFilesystem) async throws {
        try await disk.freeze()
        var thawed = false
        defer { if !thawed { disk.thaw() } }
        // The recorder blocks at its next write; wait until acquisition is two rings past what it stored.
        let request = ControlRequest(command: .status)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let s = try await ControlClient.send(request, to: socket, timeoutSeconds: 5).status,
                let ring = s.buffers.first(where: { $0.consumer == "recorder" }), s.newestSample > s.framesWritten + 2 * UInt64(ring.capacityFrames)
            {
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        disk.thaw()
        thawed = true
        var lost = try await ControlClient.send(request, to: socket, timeoutSeconds: 5).status
        while (lost?.lostFrames ?? 0) == 0 && Date() < deadline.addingTimeInterval(30) {
            try await Task.sleep(for: .milliseconds(100))
            lost = try await ControlClient.send(request, to: socket, timeoutSeconds: 5).status
        }
        #expect((lost?.lostFrames ?? 0) > 0, "the recorder never reported the frames it lost")
    }

    @Test("status --watch in an 80×24 pseudo-terminal: state and flagged channels first, one line per shaft, nothing past the screen")
    func watchFitsOneScreen() async throws {
        let workspace = try Self.workspace(clean: false)
        let session = try await Self.running(workspace, session: "watched")
        defer { session.stopBlocking(timeout: 60) }
        let terminal = try PseudoTerminal(columns: 80, rows: 24)
        let watch = try ProcessRunner.start(
            ProcessRunner.binary("ketamapctl"), ["status", "--watch", "--socket", workspace.socketPath], terminal: terminal.slave)
        let output = await onDedicatedThread { terminal.read(until: { $0.components(separatedBy: "\u{1B}[H").count > 3 }, timeout: 30) }
        watch.signal(SIGINT)
        _ = try await watch.wait(timeout: 30)

        let frames = output.components(separatedBy: "\u{1B}[H").dropFirst()
        #expect(frames.count >= 2, "redrawn in place (cursor home) each second: \(output.debugDescription)")
        let frame = try #require(frames.dropLast().last)  // the last complete one
        let lines = frame.replacingOccurrences(of: "\u{1B}[K", with: "").replacingOccurrences(of: "\u{1B}[J", with: "")
            .replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count <= 23, "one screen, a row left for the cursor: \(lines.count) lines")
        #expect(lines.allSatisfy { $0.count <= 80 }, "no line wraps: \(lines.filter { $0.count > 80 })")
        #expect(lines.first?.hasPrefix("session watched  RECORDING") == true)
        let flaggedAt = try #require(lines.firstIndex { $0.hasPrefix("flagged ") })
        // Shafts get the rows the state and the flagged channels leave: all of them,
        // the first ones and a count of the rest, or (a screen full of flags) none.
        let shaftsAt = lines.firstIndex { $0.hasPrefix("shaft ") } ?? lines.count
        #expect(flaggedAt < shaftsAt)
        // RIN8 is listed, or counted when more channels are flagged than a screen holds.
        #expect(
            lines[flaggedAt..<shaftsAt].contains { $0.contains("RIN8 NOISY") || $0.contains("more flagged") },
            "every flagged channel before the shafts: \(lines.joined(separator: "\n"))")
        let shafts = ["LOF", "LDL", "LIN", "LAC", "LA", "LH", "ROF", "RDL", "RIN", "RAC", "RA", "RH", "mRA"]
        let shown = shafts.filter { shaft in lines.contains { $0.hasPrefix(shaft + " ") } }
        if shown.count < shafts.count {
            #expect(lines.count == 23, "shafts are cut only when the screen is full")
            #expect(shaftsAt == lines.count || lines.last?.contains("more shafts") == true)
        }
        if shaftsAt < lines.count && shown.count == shafts.count {
            #expect(lines.contains { $0.contains("left anterior cingulate cortex") } || shown.count < 4, "region names whole")
        }
        #expect(!lines.contains { $0.hasPrefix("LA3 ") }, "no per-channel table without --full")
        #expect(lines.contains { $0.contains("left anterior cingulate cortex") }, "region names whole")
    }

    @Test("check: 0 all good, 1 a channel flagged, 3 the source cannot be read, 78 a refused config; --json follows its schema")
    func checkExitCodes() async throws {
        let clean = try Self.workspace(clean: true)
        let good = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["check", "--config", clean.configPath, "--seconds", "3", "--json"], timeout: 120)
        #expect(good.status == 0, "\(good.output)\(good.error)")
        try await Self.expectValid(good.output, schema: "check.schema.json")

        // 6 s: check judges a channel on its last 0.5 s period, whose background
        // power can differ more than twofold from another's: RIN8's mains pickup
        // reads 19.6 % line (64 µV RMS) over 3 s and 42 % (40 µV) over 6 s.
        // Not the background below 1 Hz: rolled off at the amplifier's high-pass
        // (0.1 Hz here, or even 0.5 Hz on every contact: 61 µV, 21.5 %) the 3 s
        // period still reads below the 30 % a NOISY flag needs.
        let noisy = try Self.workspace(clean: false)
        let flagged = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["check", "--config", noisy.configPath, "--seconds", "6"], timeout: 120)
        #expect(flagged.status == 1, "\(flagged.output)\(flagged.error)")
        #expect(flagged.output.contains("check these channels:") && flagged.output.contains("RIN8"))

        let card = try EndToEndTests.Workspace(doseAt: nil) {
            $0.replacingOccurrences(of: "kind = \"sim\"", with: "kind = \"comedi\"")
                .replacingOccurrences(of: "# [source.comedi]", with: "[source.comedi]")
                .replacingOccurrences(of: "# device = \"/dev/comedi0\"", with: "device = \"/dev/comedi-none\"")
        }
        let unreadable = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["check", "--config", card.configPath, "--seconds", "1"], timeout: 60)
        #expect(unreadable.status == 3, "\(unreadable.error)")
        #expect(unreadable.error.contains("/dev/comedi-none"))

        let bad = try EndToEndTests.Workspace(doseAt: nil) { $0.replacingOccurrences(of: "[subject]\n", with: "[subject]\nshoe_size = 42\n") }
        let refused = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["check", "--config", bad.configPath], timeout: 60)
        #expect(refused.status == 78 && refused.error.contains("shoe_size"))
    }
}

/// A pseudo-terminal of a given size whose slave side a child process writes to.
final class PseudoTerminal: Sendable {
    let master: Int32
    let slave: Int32

    init(columns: Int, rows: Int) throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        self.master = master
        self.slave = slave
    }

    deinit {
        close(master)
        close(slave)
    }

    /// What the child has written, read until `done` holds or `timeout` seconds pass.
    func read(until done: (String) -> Bool, timeout: Double) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var ready = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 200) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
            if done(String(decoding: bytes, as: UTF8.self)) { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
