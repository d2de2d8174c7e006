import Foundation
import KetaMapCore
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon
import KetaMapStorage
import KetaMapConfiguration
import KetaMapControl

/// `ketamapd` and `ketamapctl` run as processes, as clinicians and systemd run
/// them, on the simulator; the files they leave are read with h5py.
@Suite("ketamapd end to end", .serialized)
struct EndToEndTests {
    /// A session folder with the default config turned down to 4 kHz (the
    /// debug build must keep up in real time) and a dose scheduled at `doseAt` s.
    struct Workspace {
        let directory: TemporaryFolder
        /// The script `facts` runs (`stream_facts.py` for sessions of several streams).
        var factsScript = "session_facts.py"
        var configPath: String { "\(directory.path)/ketamapd.toml" }
        var socketPath: String { "\(directory.path)/s.sock" }

        init(doseAt: Double?, edit: (String) -> String = { $0 }) throws {
            directory = try TemporaryFolder()
            var text = DefaultConfiguration.configText
            text = text.replacingOccurrences(of: "sample_rate_hz = 30000", with: "sample_rate_hz = 4000")
            text = text.replacingOccurrences(of: "block_frames = 300 ", with: "block_frames = 40  ")
            text = text.replacingOccurrences(of: "spike_high_hz = 6000", with: "spike_high_hz = 1500")
            if let doseAt {
                text = text.replacingOccurrences(of: "at_seconds = 20", with: "at_seconds = \(doseAt)")
            } else {
                text = String(text[..<text.range(of: "[[schedule.dose]]")!.lowerBound])
            }
            try edit(text).write(toFile: configPath, atomically: true, encoding: .utf8)
            try DefaultConfiguration.channelsText.replacingOccurrences(of: "\t30000\t", with: "\t4000\t")
                .write(toFile: "\(directory.path)/channels.tsv", atomically: true, encoding: .utf8)
            try DefaultConfiguration.electrodesText.write(toFile: "\(directory.path)/electrodes.tsv", atomically: true, encoding: .utf8)
        }

        /// A session folder holding a copy of `config/examples/<example>` (its
        /// `ketamapd.toml` passed through `edit`, its `.tsv` files as they are).
        init(example: String, edit: (String) -> String) throws {
            directory = try TemporaryFolder()
            let folder = ProcessRunner.repositoryRoot.appendingPathComponent("config/examples/\(example)")
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".tsv") {
                try FileManager.default.copyItem(atPath: folder.appendingPathComponent(file).path, toPath: "\(directory.path)/\(file)")
            }
            let text = try String(contentsOf: folder.appendingPathComponent("ketamapd.toml"), encoding: .utf8)
            try edit(text).write(toFile: configPath, atomically: true, encoding: .utf8)
        }

        func daemonArguments(session: String, _ extra: [String]) -> [String] {
            ["--config", configPath, "--session", session, "--output-dir", directory.path, "--control-socket", socketPath] + extra
        }

        func nwb(_ session: String) -> String { "\(directory.path)/\(session).nwb" }

        /// What h5py (and with `inspect`, pynwb, nwbinspector and SpikeInterface) see in a
        /// session file, as `factsScript` reports it.
        func facts(_ session: String, inspect: Bool = false) async throws -> [String: Any]? {
            let script = factsScript
            guard let python = ProcessRunner.python() else { return nil }
            let result = try await ProcessRunner.run(python, [ProcessRunner.pythonScript(script), nwb(session)] + (inspect ? ["--inspect"] : []))
            #expect(result.status == 0, "\(script) failed: \(result.error)")
            return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        }

        func ctl(_ arguments: [String]) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), arguments + ["--socket", socketPath], timeout: 30)
        }

        /// Turns signal processing off: for tests of the control plane and faults, which need only raw samples.
        static func withoutProcessing(_ text: String) -> String {
            text.replacingOccurrences(of: "[processing]\nenabled = true", with: "[processing]\nenabled = false")
        }

        /// Waits until the daemon answers `status` with state `recording`.
        func waitUntilRecording(timeoutSeconds: Double = 60) async throws {
            try await waitUntil("start recording", timeoutSeconds: timeoutSeconds) { $0.state == .recording }
        }

        /// Polls `status` until `condition` holds (a readiness signal, not a sleep);
        /// returns the status that met it (nil, with an issue recorded, after `timeoutSeconds`).
        @discardableResult
        func waitUntil(_ what: String, timeoutSeconds: Double = 60, _ condition: (SessionStatus) -> Bool) async throws -> SessionStatus? {
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while Date() < deadline {
                if FileManager.default.fileExists(atPath: socketPath),
                    let status = try? await ControlClient.send(ControlRequest(command: .status), to: socketPath).status, condition(status)
                {
                    return status
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("the session did not \(what) within \(timeoutSeconds) s")
            return nil
        }

        /// Starts `ketamapd` and returns once it has told its service manager `READY=1`
        /// (the file is open, the first block stored, the control socket bound),
        /// through a notify socket of the workspace's own that lives as long as the daemon.
        func startDaemon(session: String, _ extra: [String] = [], timeoutSeconds: Double = 60) async throws -> ProcessRunner.Running {
            // A name of its own per start: the same session may be started again (restart into a new part).
            let notify = try NotifySocketListener(directory: directory.path, name: "\(session).\(UUID().uuidString.prefix(8)).notify")
            let daemon = try ProcessRunner.start(
                ProcessRunner.binary("ketamapd"), daemonArguments(session: session, extra), environment: notify.environment())
            Task {
                await daemon.exited()
                notify.close()
            }
            if try await notify.wait(for: { $0.fields["READY"] == "1" }, timeout: timeoutSeconds) == nil {
                Issue.record("ketamapd \(session) did not send READY=1 within \(timeoutSeconds) s: \(notify.datagrams.map(\.text))")
            }
            return daemon
        }

        /// Waits until the session has recorded `seconds` of samples (its `status` says so).
        @discardableResult
        func waitUntilRecorded(seconds: Double, timeoutSeconds: Double = 60) async throws -> SessionStatus? {
            try await waitUntil("record \(seconds) s", timeoutSeconds: timeoutSeconds) { $0.recordedSeconds >= seconds }
        }
    }

    @Test("--duration gives exactly round(S × rate) frames, and the scheduled dose lands on its sample")
    func durationAndScheduledDose() async throws {
        let workspace = try Workspace(doseAt: 2)
        let result = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "fast", ["--duration", "15", "--as-fast-as-possible"]))
        #expect(result.status == 0, "ketamapd failed: \(result.error)")
        #expect(result.output.contains(workspace.nwb("fast")))
        #expect(result.output.contains("dose      event 1: ketamine 0.5 mg/kg iv-infusion"))
        let records = try EventLog.read(.init("\(workspace.directory.path)/fast.events.jsonl"))
        #expect(records.map(\.kind) == [.sessionStarted, .weight, .dose, .sessionEnded])
        #expect(records[2].dose?.sampleIndex == 8000)
        guard let facts = try await workspace.facts("fast", inspect: true) else { return }
        #expect(facts["problems"] as? [String] == [], "the daemon's file must pass pynwb, nwbinspector and SpikeInterface")
        #expect(facts["frames"] as? Int == 60_000)
        #expect(facts["channels"] as? Int == 108)
        #expect(facts["dtype"] as? String == "int16")
        let doses = facts["doses"] as? [[String: Any]] ?? []
        #expect(doses.count == 1)
        #expect(doses.first?["sample_index"] as? Int == 8000)
        #expect(doses.first?["drug"] as? String == "ketamine")
        #expect((facts["band_power_rows"] as? Int ?? 0) >= 145)  // ≥ channels, for nwbinspector's orientation check
        #expect((facts["lfp_rows"] as? Int ?? 0) >= 14_900)
    }

    @Test("a clinician's dose and mark are acknowledged, and SIGTERM closes the file with them in it")
    func controlAndGracefulStop() async throws {
        let workspace = try Workspace(doseAt: nil)
        let daemon = try await workspace.startDaemon(session: "live")
        try await workspace.waitUntilRecorded(seconds: 1.1)  // the file must hold more than 4000 frames
        let status = try await workspace.ctl(["status"])
        // The default simulator's RIN8 picks up much mains: once its figures are in, status flags it (exit 1).
        #expect(status.status == (status.output.contains("flagged none of") ? 0 : 1), "\(status.output)\(status.error)")
        #expect(status.output.lowercased().contains("session live  recording"))
        let dose = try await workspace.ctl(["dose", "--drug", "ketamine", "--amount", "0.5", "--unit", "mg/kg", "--route", "iv-infusion", "--over", "40m", "--operator", "RN Test"])
        #expect(dose.status == 0, "\(dose.error)")
        #expect(dose.output.hasPrefix("dose recorded as event 1: ketamine"))
        let refused = try await workspace.ctl(["dose", "--amount", "0.5", "--route", "iv-infusion"])
        #expect(refused.status != 0)
        #expect(refused.error.contains("over"))
        let mark = try await workspace.ctl(["mark", "eyes closed"])
        #expect(mark.status == 0, "\(mark.error)")
        daemon.signal(SIGTERM)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "ketamapd: \(ended.error)")
        #expect(!FileManager.default.fileExists(atPath: workspace.socketPath))
        guard let facts = try await workspace.facts("live") else { return }
        #expect((facts["doses"] as? [Any])?.count == 1)
        #expect(facts["marks"] as? Int == 1)
        #expect((facts["frames"] as? Int ?? 0) > 4000)
    }

    @Test("after kill -9 the file opens (after h5clear -s) with every acknowledged dose")
    func crashKeepsAcknowledgedDoses() async throws {
        let workspace = try Workspace(doseAt: nil)
        let daemon = try await workspace.startDaemon(session: "crash")
        try await workspace.waitUntilRecorded(seconds: 1.5)
        let dose = try await workspace.ctl(["dose", "--amount", "0.2", "--unit", "mg/kg", "--route", "iv-bolus"])
        #expect(dose.status == 0, "\(dose.error)")
        try await workspace.waitUntilRecorded(seconds: 4)
        daemon.signal(SIGKILL)
        _ = try await daemon.wait(timeout: 10)
        let clear = try await ProcessRunner.run("/usr/bin/h5clear", ["-s", "--increment=0", workspace.nwb("crash")])
        #expect(clear.status == 0, "h5clear: \(clear.error)")
        guard let facts = try await workspace.facts("crash") else { return }
        #expect((facts["doses"] as? [Any])?.count == 1)
        // At most one flush cadence (1 s) lost: more than 3 s of the ~4 s acquired are stored.
        #expect((facts["frames"] as? Int ?? 0) >= 3 * 4000)
    }

    @Test("replaying a session file and recording it gives back the same samples, bit for bit")
    func replayIsBitExact() async throws {
        let workspace = try Workspace(doseAt: nil)
        let record = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "original", ["--duration", "3", "--as-fast-as-possible"]))
        #expect(record.status == 0, "\(record.error)")
        let replay = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            workspace.daemonArguments(session: "replayed", ["--source", "replay:\(workspace.nwb("original"))", "--as-fast-as-possible"]))
        #expect(replay.status == 0, "\(replay.error)")
        guard let python = ProcessRunner.python() else { return }
        let compare = try await ProcessRunner.run(python, [
            "-c",
            """
            import sys, h5py, numpy as np
            a = h5py.File(sys.argv[1], "r")["acquisition/ElectricalSeries/data"][()]
            b = h5py.File(sys.argv[2], "r")["acquisition/ElectricalSeries/data"][()]
            print(a.shape, b.shape, a.dtype, b.dtype)
            sys.exit(0 if a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b) else 1)
            """,
            workspace.nwb("original"), workspace.nwb("replayed"),
        ])
        #expect(compare.status == 0, "samples differ: \(compare.output) \(compare.error)")
    }

    @Test("a schedule is recorded into a replay only with --apply-schedule, and refused with the Comedi source (exit 78, file and line)")
    func scheduleOnlyForSimulations() async throws {
        let workspace = try Workspace(doseAt: 1)
        let record = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "original", ["--duration", "2", "--as-fast-as-possible"]))
        #expect(record.status == 0, "\(record.error)")
        let source = "replay:\(workspace.nwb("original"))"

        let refused = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "plain", ["--source", source, "--as-fast-as-possible"]))
        #expect(refused.status == 78)
        #expect(refused.error.contains("ketamapd.toml:") && refused.error.contains("schedule.dose[1]") && refused.error.contains("--apply-schedule"))
        #expect(!FileManager.default.fileExists(atPath: workspace.nwb("plain")))

        let comedi = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "card", ["--source", "comedi", "--duration", "1"]))
        #expect(comedi.status == 78)
        #expect(comedi.error.contains("schedule.dose[1]") && comedi.error.contains("ketamapctl dose"))

        let asked = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            workspace.daemonArguments(session: "asked", ["--source", source, "--apply-schedule", "--as-fast-as-possible"]))
        #expect(asked.status == 0, "\(asked.error)")
        let noSchedule = try Workspace(doseAt: nil)
        let replay = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), noSchedule.daemonArguments(session: "replayed", ["--source", source, "--as-fast-as-possible"]))
        #expect(replay.status == 0, "\(replay.error)")
        guard let original = try await workspace.facts("original"), let withSchedule = try await workspace.facts("asked"),
            let plain = try await noSchedule.facts("replayed")
        else { return }
        #expect((original["doses"] as? [Any])?.count == 1)
        #expect((withSchedule["doses"] as? [Any])?.count == 1)
        #expect((plain["doses"] as? [Any])?.count == 0, "a replay records no dose it was not given")
    }

    @Test("memory locking refused (finite RLIMIT_MEMLOCK): one log line, recording goes on; the simulator asks for no real-time priority")
    func memoryLockAskedNotRequired() async throws {
        // Real-time priority is asked for with the Comedi source only; the VM session test
        // (Tests/python/check_comedi_session.py) checks it granted there, with memory locked.
        let workspace = try Workspace(doseAt: nil)
        let refused = try await ProcessRunner.run(
            "/usr/bin/prlimit", ["--memlock=65536", "--", ProcessRunner.binary("ketamapd")] + workspace.daemonArguments(session: "refused", ["--duration", "1"]))
        #expect(refused.status == 0, "\(refused.error)")
        let lines = refused.error.split(separator: "\n")
        #expect(lines.filter { $0.contains("memory not locked") }.count == 1)
        #expect(!refused.error.contains("real-time priority"))
        guard let facts = try await workspace.facts("refused") else { return }
        #expect(facts["frames"] as? Int == 4000, "recording went on")
    }

    @Test("a start that cannot fit on the disk is refused with the figures (exit 73), creating no file")
    func diskTooSmall() async throws {
        let workspace = try Workspace(doseAt: nil)
        let result = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "huge", ["--duration", "31000000"]))  // 359 days: terabytes
        #expect(result.status == 73)
        #expect(result.error.contains("not enough free disk in \(workspace.directory.path)"))
        #expect(result.error.contains("free,") && result.error.contains("needed for") && result.error.contains("/s"))
        #expect(!FileManager.default.fileExists(atPath: workspace.nwb("huge")))
    }

    @Test("processing that cannot run at the rate the source really delivers is refused at start with exit 78, naming the key")
    func processingRefusedAtStart() async throws {
        let workspace = try Workspace(doseAt: nil)
        // A raw int16 replay at 22.05 kHz: the config's 1 kHz LFP does not divide it.
        let raw = "\(workspace.directory.path)/raw.i16"
        try Data(count: 2 * 22050).write(to: URL(fileURLWithPath: raw))
        let result = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            workspace.daemonArguments(session: "rate", ["--source", "replay:\(raw)?channels=1&rate=22050&uv_per_bit=0.1", "--duration", "1"]))
        #expect(result.status == 78, "\(result.error)")
        #expect(result.error.contains("processing.lfp_rate_hz"))
        #expect(result.error.contains("22050"))
        #expect(!FileManager.default.fileExists(atPath: workspace.nwb("rate")))
    }

    @Test("a bad config is refused naming the file, line and key, with exit status 78")
    func badConfig() async throws {
        let workspace = try Workspace(doseAt: nil) { $0.replacingOccurrences(of: "[subject]\n", with: "[subject]\nshoe_size = 42\n") }
        let result = try await ProcessRunner.run(ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "bad", ["--duration", "1"]))
        #expect(result.status == 78)
        #expect(result.error.contains("ketamapd.toml"))
        #expect(result.error.contains("shoe_size"))
        #expect(!FileManager.default.fileExists(atPath: workspace.nwb("bad")))
    }
}
