import Foundation
import KetaMapCore
import Testing

/// `ketamapd --source replay:PATH` on recordings written exactly as Open Ephys,
/// SpikeGLX and Intan save them (`Tests/python/reference_recordings.py`); neo's
/// reader of each format must see the same samples, names, rate and gains in
/// the session file as in the recording.
@Suite("replaying Open Ephys, SpikeGLX and Intan recordings", .serialized)
struct RecordingReplayTests {
    /// A folder with a config that replays whatever `--source` names, processing off (the checks are on the raw samples).
    struct Workspace {
        let directory: TemporaryDirectory
        var configPath: String { "\(directory.path)/replay.toml" }

        init(processing: Bool = false, montage: (channels: String, electrodes: String)? = nil) throws {
            directory = try TemporaryDirectory()
            var text = DefaultConfiguration.configText
            text = String(text[..<text.range(of: "[[schedule.dose]]")!.lowerBound])
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

        func replay(_ source: String, session: String) throws -> ProcessRunner.Result {
            try ProcessRunner.run(
                ProcessRunner.binary("ketamapd"),
                ["--config", configPath, "--session", session, "--output-dir", directory.path, "--control-socket", "\(directory.path)/\(session).sock",
                 "--source", source, "--as-fast-as-possible"], timeout: 120)
        }

        func nwb(_ session: String) -> String { "\(directory.path)/\(session).nwb" }

        /// Runs `reference_recordings.py` and decodes the JSON it prints.
        func script(_ arguments: [String]) throws -> [String: Any]? {
            guard let python = try ProcessRunner.python() else { return nil }
            let script = ProcessRunner.repositoryRoot.appendingPathComponent("Tests/python/reference_recordings.py").path
            let result = try ProcessRunner.run(python, [script] + arguments, timeout: 120)
            #expect(result.status == 0, "reference_recordings.py \(arguments.joined(separator: " ")): \(result.error)")
            return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        }
    }

    @Test(
        "neo reads the replayed session as the recording: samples, names, rate, gains",
        arguments: ["openephys", "spikeglx-ap", "spikeglx-lf", "spikeglx-nidq", "spikeglx-np2", "intan-one-file", "intan-rhd", "intan-rhd-v1"])
    func matchesNeo(layout: String) throws {
        let workspace = try Workspace()
        guard let written = try workspace.script(["write", layout, workspace.directory.path]), let source = written["source"] as? String else { return }
        let replay = try workspace.replay(source, session: layout)
        #expect(replay.status == 0, "ketamapd --source \(source): \(replay.error)")
        guard let compared = try workspace.script(["compare", layout, workspace.directory.path, workspace.nwb(layout)]) else { return }
        #expect(compared["problems"] as? [String] == [], "\(compared)")
        #expect(((compared["checked"] as? [String: Any])?["frames"] as? Int ?? 0) > 1000)
    }
}
