import Foundation
import KetaMapConfiguration
import KetaMapCore
import Testing

@testable import KetaMapDaemon

/// Sessions of several streams, run as `ketamapd` runs them: the hybrid
/// example (64 sEEG contacts at 2 kHz, 8 microwires at 30 kHz) on the
/// simulator, and a stream that fails while the other records on, or ends the session.
@Suite("Several streams", .serialized)
struct StreamSessionTests {
    /// A folder holding `config/examples/hybrid-two-cards`, its streams simulated.
    struct Workspace {
        let directory: TemporaryDirectory
        var configPath: String { "\(directory.path)/ketamapd.toml" }
        var socketPath: String { "\(directory.path)/s.sock" }

        init(edit: (String) -> String) throws {
            directory = try TemporaryDirectory()
            let example = ProcessRunner.repositoryRoot.appendingPathComponent("config/examples/hybrid-two-cards")
            for file in ["seeg-channels.tsv", "micro-channels.tsv", "electrodes.tsv"] {
                try FileManager.default.copyItem(atPath: example.appendingPathComponent(file).path, toPath: "\(directory.path)/\(file)")
            }
            let text = try String(contentsOf: example.appendingPathComponent("ketamapd.toml"), encoding: .utf8)
            try edit(text).write(toFile: configPath, atomically: true, encoding: .utf8)
        }

        func daemonArguments(session: String, _ extra: [String]) -> [String] {
            ["--config", configPath, "--session", session, "--output-dir", directory.path, "--control-socket", socketPath] + extra
        }

        func nwb(_ session: String) -> String { "\(directory.path)/\(session).nwb" }

        /// What h5py (and with `inspect`, pynwb, nwbinspector and SpikeInterface) see in the file.
        func facts(_ session: String, inspect: Bool = false) throws -> [String: Any]? {
            guard let python = try ProcessRunner.python() else { return nil }
            let script = ProcessRunner.repositoryRoot.appendingPathComponent("Tests/python/stream_facts.py").path
            let result = try ProcessRunner.run(python, [script, nwb(session)] + (inspect ? ["--inspect"] : []))
            #expect(result.status == 0, "stream_facts.py failed: \(result.error)")
            return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        }

        func waitUntilRecording() {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if let status = try? ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["status", "--socket", socketPath], timeout: 10),
                    status.status == 0, status.output.contains("recording")
                {
                    return
                }
                usleep(100_000)
            }
            Issue.record("the session did not start recording within 60 s")
        }
    }

    /// The numbers of a JSON array (nulls left out).
    static func numbers(_ value: Any?) -> [Double] { (value as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue } }

    static func simulated(_ text: String) -> String {
        text.replacingOccurrences(of: "kind = \"comedi\"", with: "kind = \"sim\"")
            + "\n[[schedule.dose]]\nat_seconds = 2\ndrug = \"ketamine\"\namount = 0.5\nunit = \"mg/kg\"\nroute = \"iv-infusion\"\nover_seconds = 2400\n"
    }

    @Test("a hybrid montage at two rates: each stream its own series, rows of the one electrodes table, clocks aligned, pynwb and nwbinspector content")
    func hybridAtTwoRates() throws {
        let workspace = try Workspace(edit: Self.simulated)
        // Real time, so the clock tables compare both streams with the session clock.
        let result = try ProcessRunner.run(ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "hybrid", ["--duration", "11"]))
        #expect(result.status == 0, "ketamapd failed: \(result.error)")
        let records = try EventLog.read(.init("\(workspace.directory.path)/hybrid.events.jsonl"))
        #expect(records.map(\.kind) == [.sessionStarted, .dose, .sessionEnded])
        #expect(records[1].dose?.sampleIndex == 4000, "stamped on the first stream's clock: 2 s at 2 kHz")
        guard let facts = try workspace.facts("hybrid", inspect: true) else { return }
        #expect(facts["problems"] as? [String] == [], "pynwb, nwbinspector and SpikeInterface accept the file")
        let streams = facts["streams"] as? [String: [String: Any]] ?? [:]
        #expect(Set(streams.keys) == ["seeg", "micro"])
        let seeg = streams["seeg"] ?? [:]
        let micro = streams["micro"] ?? [:]
        #expect(seeg["frames"] as? Int == 22_000)
        #expect(micro["frames"] as? Int == 330_000)
        #expect(seeg["rate"] as? Double == 2000 && micro["rate"] as? Double == 30000)
        #expect(seeg["channels"] as? Int == 64 && micro["channels"] as? Int == 8)
        #expect(seeg["electrodes"] as? [Int] == Array(0..<64))
        #expect(micro["electrodes"] as? [Int] == Array(64..<72))
        let names = facts["electrodes"] as? [String] ?? []
        #expect(names.count >= 72 && names[0] == "LDL1" && names[64] == "mRA1")
        #expect((seeg["band_power_rows"] as? Int ?? 0) >= 100 && (micro["band_power_rows"] as? Int ?? 0) >= 100, "band power on both streams")
        #expect(seeg["crossings"] as? Int == 0, "no spike detection on sEEG contacts")
        #expect((micro["crossings"] as? Int ?? 0) > 0, "spike detection on the microwires")
        // Both streams are placed on the one session clock: their offsets agree within a block or two.
        for (name, stream) in streams {
            let clock = stream["clock"] as? [String: Any] ?? [:]
            #expect(Self.numbers(clock["timestamp"]).count >= 2, "stream \(name) has a clock row every 5 s")
            let offsets = Self.numbers(clock["offset_seconds"])
            #expect(offsets.allSatisfy { abs($0) < 0.2 }, "stream \(name): \(offsets)")
            let drift = Self.numbers(clock["drift_ppm"])  // none on the first row
            #expect(drift.count == offsets.count - 1 && drift.allSatisfy { abs($0) < 20_000 }, "stream \(name): \(drift)")
        }
        let seegOffsets = Self.numbers((seeg["clock"] as? [String: Any])?["offset_seconds"])
        let microOffsets = Self.numbers((micro["clock"] as? [String: Any])?["offset_seconds"])
        #expect(seegOffsets.count == microOffsets.count)
        for (a, b) in zip(seegOffsets, microOffsets) { #expect(abs(a - b) < 0.05, "the two streams' clocks agree: \(a) vs \(b)") }
        let doses = facts["doses"] as? [String: [Any]] ?? [:]
        #expect(doses["sample_index"] as? [Int] == [4000])
        // On the microwires' clock, through both clock tables: within a block (10 ms = 300 samples) or two of 2 s.
        let onMicro = Int(Self.numbers(doses["sample_index_micro"]).first ?? -1)
        #expect(abs(onMicro - 60_000) <= 600, "the dose on the microwires' clock: \(onMicro)")
        #expect(Self.numbers(doses["session_time"]).first.map { abs($0 - 2) < 0.05 } == true, "\(doses["session_time"] ?? [])")
    }
}
