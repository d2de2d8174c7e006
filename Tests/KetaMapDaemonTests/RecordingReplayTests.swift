import Foundation
import KetaMapConfiguration
import KetaMapCore
import KetaMapTestSupport
import Testing

/// `ketamapd --source replay:PATH` on recordings written exactly as Open Ephys,
/// SpikeGLX and Intan save them (`Tests/python/reference_recordings.py`); neo's
/// reader of each format must see the same samples, names, rate and gains in
/// the session file as in the recording.
@Suite("replaying Open Ephys, SpikeGLX and Intan recordings", .serialized)
struct RecordingReplayTests {
    /// A folder with a config that replays whatever `--source` names, processing off (the checks are on the raw samples).
    struct Workspace {
        let directory: TemporaryFolder
        var configPath: String { "\(directory.path)/replay.toml" }

        /// `doseAt`: keep the default config's scheduled ketamine dose, at that second.
        init(processing: Bool = false, montage: (channels: String, electrodes: String)? = nil, doseAt: Double? = nil) throws {
            directory = try TemporaryFolder()
            var text = DefaultConfiguration.configText
            if let doseAt {
                text = text.replacingOccurrences(of: "at_seconds = 20", with: "at_seconds = \(doseAt)")
            } else {
                text = String(text[..<text.range(of: "[[schedule.dose]]")!.lowerBound])
            }
            text = text.replacingOccurrences(of: "kind = \"sim\"", with: "kind = \"replay\"")
            text = text.replacingOccurrences(of: "\n[montage]\n", with: "\n[source.replay]\npath = \"unused\"\n\n[unused_montage]\n")
            if let montage {
                text = text.replacingOccurrences(of: "[unused_montage]", with: "[montage]")
                try montage.channels.write(toFile: "\(directory.path)/channels.tsv", atomically: true, encoding: .utf8)
                try montage.electrodes.write(toFile: "\(directory.path)/electrodes.tsv", atomically: true, encoding: .utf8)
            } else {
                let start = text.range(of: "[unused_montage]")!
                let end = text.range(of: "\n[", range: start.upperBound..<text.endIndex)!
                text.removeSubrange(start.lowerBound..<end.lowerBound)
            }
            if !processing { text = text.replacingOccurrences(of: "[processing]\nenabled = true", with: "[processing]\nenabled = false") }
            try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        }

        func replay(_ source: String, session: String, _ extra: [String] = []) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run(
                ProcessRunner.binary("ketamapd"),
                ["--config", configPath, "--session", session, "--output-dir", directory.path, "--control-socket", "\(directory.path)/\(session).sock",
                 "--source", source, "--as-fast-as-possible"] + extra, timeout: 120)
        }

        func nwb(_ session: String) -> String { "\(directory.path)/\(session).nwb" }

        /// Runs `reference_recordings.py` and decodes the JSON it prints.
        func script(_ arguments: [String]) async throws -> [String: Any]? {
            guard let python = ProcessRunner.python() else { return nil }
            let script = ProcessRunner.repositoryRoot.appendingPathComponent("Tests/python/reference_recordings.py").path
            let result = try await ProcessRunner.run(python, [script] + arguments, timeout: 120)
            #expect(result.status == 0, "reference_recordings.py \(arguments.joined(separator: " ")): \(result.error)")
            return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        }
    }

    @Test(
        "neo reads the replayed session as the recording: samples, names, rate, gains",
        arguments: ["openephys", "spikeglx-ap", "spikeglx-lf", "spikeglx-nidq", "spikeglx-np2", "intan-one-file", "intan-rhd", "intan-rhd-v1"])
    func matchesNeo(layout: String) async throws {
        let workspace = try Workspace()
        guard let written = try await workspace.script(["write", layout, workspace.directory.path]), let source = written["source"] as? String else { return }
        let replay = try await workspace.replay(source, session: layout)
        #expect(replay.status == 0, "ketamapd --source \(source): \(replay.error)")
        guard let compared = try await workspace.script(["compare", layout, workspace.directory.path, workspace.nwb(layout)]) else { return }
        #expect(compared["problems"] as? [String] == [], "\(compared)")
        #expect(((compared["checked"] as? [String: Any])?["frames"] as? Int ?? 0) > 1000)
    }

    /// An NI-DAQ stream as SpikeGLX saves it (`run_g0_t0.nidq.bin` + `.meta`), `frames` frames of MN0, MA0, XA0 and a digital word;
    /// the meta's `fileSizeBytes` says `declaredFrames`.
    static func writeNIDAQ(in directory: String, frames: Int, declaredFrames: Int? = nil, noise: Bool = false) throws -> String {
        let base = directory + "/run_g0_t0.nidq"
        var state: UInt32 = 12345
        let samples = (0..<(frames * 4)).map { index -> Int16 in
            guard noise else { return Int16(truncatingIfNeeded: index &* 7919) }
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int16(truncatingIfNeeded: Int32(state >> 20) - 2048)  // ±2048 counts of white noise
        }
        try samples.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: base + ".bin")) }
        let meta = [
            "typeThis=nidq", "niSampRate=10000", "niAiRangeMax=5", "niMaxInt=32768", "niMNGain=200", "niMAGain=2", "nSavedChans=4",
            "fileSizeBytes=\((declaredFrames ?? frames) * 8)", "snsMnMaXaDw=1,1,1,1", "~snsChanMap=(1,1,0,1,1)(MN0;0:0)(MA0;1:1)(XA0;2:2)(XD0;3:3)",
        ]
        try (meta.joined(separator: "\n") + "\n").write(toFile: base + ".meta", atomically: true, encoding: .utf8)
        return base + ".bin"
    }

    /// A montage naming `names` (in that order), each in its own region.
    static func montage(_ names: [String]) -> (channels: String, electrodes: String) {
        let channels = "name\ttype\tunits\tlow_cutoff\thigh_cutoff\treference\tgroup\tstatus\thardware_channel\n"
            + names.enumerated().map { "\($1)\tSEEG\tuV\tn/a\tn/a\tn/a\tDAQ\tgood\t\($0)\n" }.joined()
        let electrodes = "name\tx\ty\tz\tsize\tgroup\tregion\n" + names.map { "\($0)\tn/a\tn/a\tn/a\tn/a\tDAQ\tregion of \($0)\n" }.joined()
        return (channels, electrodes)
    }

    @Test("a montage matched by name gives the replayed channels their regions, in the montage's order")
    func montageByName() async throws {
        let workspace = try Workspace(montage: Self.montage(["XA0", "MN0", "MA0"]))
        let bin = try Self.writeNIDAQ(in: workspace.directory.path, frames: 5000)
        let replay = try await workspace.replay("replay:\(bin)", session: "named")
        #expect(replay.status == 0, "\(replay.error)")
        guard let python = ProcessRunner.python() else { return }
        let read = try await ProcessRunner.run(python, [
            "-c",
            """
            import sys, h5py, json
            with h5py.File(sys.argv[1], "r") as f:
                e = f["general/extracellular_ephys/electrodes"]
                d = f["acquisition/ElectricalSeries/data"]
                names = [n.decode() if isinstance(n, bytes) else n for n in e["channel_name"][:3]]
                regions = [n.decode() if isinstance(n, bytes) else n for n in e["location"][:3]]
                print(json.dumps({"names": names, "regions": regions, "first": [int(x) for x in d[1, :]]}))
            """,
            workspace.nwb("named"),
        ])
        #expect(read.status == 0, "\(read.error)")
        let facts = try JSONSerialization.jsonObject(with: Data(read.output.utf8)) as? [String: Any]
        #expect(facts?["names"] as? [String] == ["XA0", "MN0", "MA0"])
        #expect(facts?["regions"] as? [String] == ["region of XA0", "region of MN0", "region of MA0"])
        // Frame 1 of the file holds samples 4…7 of the 7919-step ramp: XA0 is column 2, MN0 column 0, MA0 column 1.
        #expect(facts?["first"] as? [Int] == [6, 4, 5].map { Int(Int16(truncatingIfNeeded: $0 &* 7919)) })
    }

    @Test("a recording that cannot be replayed exits 78 before any file is written, naming the file and what was expected")
    func refusals() async throws {
        let truncated = try Workspace()
        let bin = try Self.writeNIDAQ(in: truncated.directory.path, frames: 900, declaredFrames: 1000)
        let cut = try await truncated.replay("replay:\(bin)", session: "cut")
        #expect(cut.status == 78, "\(cut.error)")
        #expect(cut.error.contains(bin) && cut.error.contains("fileSizeBytes=8000"), "\(cut.error)")
        #expect(!FileManager.default.fileExists(atPath: truncated.nwb("cut")))
        #expect(!FileManager.default.fileExists(atPath: truncated.nwb("cut") + ".creating"))

        let mismatched = try Workspace(montage: Self.montage(["MN0", "MA0", "LA3"]))
        let other = try Self.writeNIDAQ(in: mismatched.directory.path, frames: 1000)
        let refused = try await mismatched.replay("replay:\(other)", session: "mismatch")
        #expect(refused.status == 78, "\(refused.error)")
        #expect(refused.error.contains("the montage's LA3 is not in the recording") && refused.error.contains("the recording's XA0 is not in the montage"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: mismatched.nwb("mismatch")))

        let unknown = try Workspace()
        try "not a recording".write(toFile: unknown.directory.path + "/notes.txt", atomically: true, encoding: .utf8)
        let notRecording = try await unknown.replay("replay:\(unknown.directory.path)/notes.txt", session: "unknown")
        #expect(notRecording.status == 78)
        #expect(notRecording.error.contains("is not a recording KetaMap recognises") && notRecording.error.contains("structure.oebin"), "\(notRecording.error)")
    }

    @Test("the analyst guide's way: replay with the original dose from the schedule (--apply-schedule), then the report")
    func replayAndReport() async throws {
        let workspace = try Workspace(processing: true, doseAt: 6)
        let text = try String(contentsOfFile: workspace.configPath, encoding: .utf8)
            .replacingOccurrences(of: "spike_high_hz = 6000", with: "spike_high_hz = 3000")  // below the NI-DAQ's 5 kHz Nyquist
        try text.write(toFile: workspace.configPath, atomically: true, encoding: .utf8)
        let bin = try Self.writeNIDAQ(in: workspace.directory.path, frames: 120_000, noise: true)
        let refused = try await workspace.replay("replay:\(bin)", session: "unasked")
        #expect(refused.status == 78, "a schedule is not recorded into a replay unless asked: \(refused.error)")
        let replay = try await workspace.replay("replay:\(bin)", session: "guide", ["--apply-schedule"])
        #expect(replay.status == 0, "\(replay.error)")
        #expect(replay.output.contains("dose      event 1: ketamine 0.5 mg/kg iv-infusion over 0:40:00.0 = 35 mg"), "\(replay.output)")
        let report = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapctl"), ["report", workspace.nwb("guide"), "--baseline", "3s", "--window", "1s..5s", "--csv"], timeout: 60)
        #expect(report.status == 0, "\(report.error)")
        #expect(report.output.contains("unknown"), "one region, the recording's channels without a montage: \(report.output)")
    }
}
