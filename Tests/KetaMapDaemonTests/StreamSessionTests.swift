import Foundation
import KetaMapConfiguration
import KetaMapControl
import KetaMapCore
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon
import KetaMapStorage

/// Sessions of several streams, run as `ketamapd` runs them: the hybrid
/// example (64 sEEG contacts at 2 kHz, 8 microwires at 30 kHz) on the
/// simulator, and a stream that fails while the other records on, or ends the session.
@Suite("Several streams", .serialized)
struct StreamSessionTests {
    typealias Workspace = EndToEndTests.Workspace

    /// A folder holding `config/examples/hybrid-two-cards`, its config passed through `edit`; its facts from `stream_facts.py`.
    static func hybrid(_ edit: (String) -> String) throws -> Workspace {
        var workspace = try Workspace(example: "hybrid-two-cards", edit: edit)
        workspace.factsScript = "stream_facts.py"
        return workspace
    }

    /// The numbers of a JSON array (nulls left out).
    static func numbers(_ value: Any?) -> [Double] { (value as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue } }

    static func simulated(_ text: String) -> String {
        text.replacingOccurrences(of: "kind = \"comedi\"", with: "kind = \"sim\"")
            + "\n[[schedule.dose]]\nat_seconds = 2\ndrug = \"ketamine\"\namount = 0.5\nunit = \"mg/kg\"\nroute = \"iv-infusion\"\nover_seconds = 2400\n"
    }

    @Test("a hybrid montage at two rates: each stream its own series, rows of the one electrodes table, clocks aligned, pynwb and nwbinspector content")
    func hybridAtTwoRates() async throws {
        let workspace = try Self.hybrid(Self.simulated)
        // Real time, so the clock tables compare both streams with the session clock.
        let result = try await ProcessRunner.run(ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "hybrid", ["--duration", "11"]))
        #expect(result.status == 0, "ketamapd failed: \(result.error)")
        let records = try EventLog.read(.init("\(workspace.directory.path)/hybrid.events.jsonl"))
        #expect(records.map(\.kind) == [.sessionStarted, .weight, .dose, .sessionEnded])
        #expect(records.first { $0.kind == .dose }?.dose?.sampleIndex == 4000, "stamped on the first stream's clock: 2 s at 2 kHz")
        // The end-of-session summary counts each stream's frames at its own rate.
        #expect(result.output.contains("  recorded  seeg: 0:00:11.0 — 22000 frames × 64 channels at 2000 Hz"), "\(result.output)")
        #expect(result.output.contains("  recorded  micro: 0:00:11.0 — 330000 frames × 8 channels at 30000 Hz"), "\(result.output)")
        #expect(result.output.contains("  lost      seeg: 0 frames in 0 gaps") && result.output.contains("  lost      micro: 0 frames in 0 gaps"))
        try await Self.checkReport(workspace.nwb("hybrid"))
        guard let facts = try await workspace.facts("hybrid", inspect: true) else { return }
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
        // Both streams are placed on the one session clock: each clock row's offset is its
        // timestamp minus its sample index / rate, and its drift the slope since the first row.
        // (How large the offsets are depends on how busy the machine was: the simulator catches up.)
        var offsetsByStream: [String: [Double]] = [:]
        for (name, stream) in streams {
            let clock = stream["clock"] as? [String: Any] ?? [:]
            let times = Self.numbers(clock["timestamp"])
            let indices = Self.numbers(clock["sample_index"])
            let offsets = Self.numbers(clock["offset_seconds"])
            let drift = Self.numbers(clock["drift_ppm"])  // none on the first row
            let rate = stream["rate"] as? Double ?? 0
            #expect(times.count >= 2 && indices.count == times.count && offsets.count == times.count, "stream \(name) has a clock row every 5 s")
            #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 } && zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "a row only while the stream's clock runs: \(indices)")
            for (t, (n, o)) in zip(times, zip(indices, offsets)) { #expect(abs(o - (t - n / rate)) < 1e-9, "stream \(name): offset of row at \(t) s") }
            #expect(drift.count == offsets.count - 1)
            for (i, d) in drift.enumerated() {
                let expected = (offsets[i + 1] - offsets[0]) / (times[i + 1] - times[0]) * 1e6
                #expect(abs(d - expected) < 1e-6 * max(1, abs(expected)), "stream \(name): drift of row \(i + 1)")
            }
            offsetsByStream[name] = offsets
        }
        let doses = facts["doses"] as? [String: [Any]] ?? [:]
        #expect(doses["sample_index"] as? [Int] == [4000])
        // The dose on the session clock (start time + an sEEG clock offset), then on the
        // microwires' clock (session time − a microwire clock offset, × 30 kHz).
        let sessionTime = Self.numbers(doses["session_time"]).first ?? -1
        #expect((offsetsByStream["seeg"] ?? []).contains { abs(sessionTime - (2 + $0)) < 1e-9 }, "\(sessionTime)")
        let onMicro = Self.numbers(doses["sample_index_micro"]).first ?? -1
        #expect((offsetsByStream["micro"] ?? []).contains { abs(onMicro - ((sessionTime - $0) * 30_000).rounded()) < 1 }, "\(onMicro)")
    }

    @Test("ketamapctl check of the hybrid config runs both streams, each with its rate and frames (exit 0 or 1); a stream whose card is missing is exit 3")
    func checkCoversEveryStream() async throws {
        let workspace = try Self.hybrid { $0.replacingOccurrences(of: "kind = \"comedi\"", with: "kind = \"sim\"") }
        let check = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["check", "--config", workspace.configPath, "--seconds", "2", "--json"], timeout: 120)
        #expect(check.status == 0 || check.status == 1, "no samples lost, both sources read: exit \(check.status) \(check.error)")
        try await StatusCommandTests.expectValid(check.output, schema: "check.schema.json")
        let report = try JSONSerialization.jsonObject(with: Data(check.output.utf8)) as? [String: Any] ?? [:]
        #expect((report["channels"] as? [Any])?.count == 72, "every stream's channels")
        let streams = report["streams"] as? [[String: Any]] ?? []
        #expect(streams.map { $0["name"] as? String ?? "" } == ["seeg", "micro"])
        #expect(streams.map { $0["sampleRateHz"] as? Double ?? 0 } == [2000, 30000])
        #expect(streams.map { $0["framesWritten"] as? Int ?? 0 } == [4000, 60000], "2 s of each stream at its own rate: \(streams)")
        let text = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["check", "--config", workspace.configPath, "--seconds", "1"], timeout: 120)
        #expect(text.status == 0 || text.status == 1, "\(text.error)")
        #expect(text.output.contains("stream seeg: 64 channels at 2000 Hz, 2000 frames, lost 0"), "\(text.output)")
        #expect(text.output.contains("stream micro: 8 channels at 30000 Hz, 30000 frames, lost 0"), "\(text.output)")

        let missing = try Self.hybrid { text in
            var text = text.replacingOccurrences(of: "/dev/comedi1", with: "/nonexistent/comedi1")
            if let first = text.range(of: "kind = \"comedi\"") { text.replaceSubrange(first, with: "kind = \"sim\"") }  // the sEEG simulated
            return text
        }
        let refused = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["check", "--config", missing.configPath, "--seconds", "1"], timeout: 120)
        #expect(refused.status == 3, "the micro stream's card is missing: \(refused.status) \(refused.error)")
        #expect(refused.error.contains("the source could not be read") && refused.error.contains("/nonexistent/comedi1"), "\(refused.error)")
        #expect(refused.output.isEmpty, "no channel table for a check that could not run")
    }

    @Test("recover after kill -9 of a hybrid session adds a dose logged but never written, with its session time and its sample index in the other stream; verify is then clean")
    func recoverAddsDosesToEveryStream() async throws {
        let workspace = try Self.hybrid {
            $0.replacingOccurrences(of: "kind = \"comedi\"", with: "kind = \"sim\"").replacingOccurrences(of: "[processing]\n", with: "[processing]\nenabled = false\n")
        }
        let daemon = try await workspace.startDaemon(session: "killed")
        // Past the first flush of both streams (3 s of sEEG at 2 kHz), so the file holds their clock rows.
        _ = try await workspace.waitUntil("write 3 s") { ($0.streams ?? []).allSatisfy { $0.recordedSeconds >= 3 } && $0.streams?.count == 2 }
        let acknowledged = try #require(try await ControlClient.send(ControlRequest(command: .dose, dose: ConcurrentDoseTests.bolus), to: workspace.socketPath).dose)
        _ = try await workspace.waitUntil("write its clock rows") { $0.recordedSeconds >= 6 }
        daemon.signal(SIGKILL)
        _ = try await daemon.wait(timeout: 30)

        // A dose logged (synced) whose row never reached the file: 0.2 s after the acknowledged one.
        let logged = try CrashRecoveryTests.logDoseNeverWritten(
            after: acknowledged, samples: 400, rateHz: 2000, session: "killed", to: "\(workspace.directory.path)/killed.events.jsonl", tornLine: false)

        let recovered = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["recover", workspace.nwb("killed")], timeout: 60)
        #expect(recovered.status == 0, "\(recovered.output)\(recovered.error)")
        #expect(recovered.output.contains("1 dose(s) and 0 mark(s)"), "\(recovered.output)")
        let verified = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["verify", workspace.nwb("killed")], timeout: 60)
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
        guard let facts = try await workspace.facts("killed", inspect: true) else { return }
        #expect(facts["problems"] as? [String] == [], "the recovered file passes pynwb and nwbinspector")
        let doses = facts["doses"] as? [String: [Any]] ?? [:]
        #expect(Self.numbers(doses["sample_index"]) == [Double(acknowledged.sampleIndex), Double(logged.sampleIndex)])
        let sessionTimes = Self.numbers(doses["session_time"]), onMicro = Self.numbers(doses["sample_index_micro"])
        try #require(sessionTimes.count == 2 && onMicro.count == 2, "\(doses)")
        // 0.2 s later on the session clock and 6000 samples later on the wires' (the offsets of two clock rows differ by milliseconds at most).
        #expect(abs(sessionTimes[1] - sessionTimes[0] - 0.2) < 0.01, "\(sessionTimes)")
        #expect(abs(onMicro[1] - onMicro[0] - 6000) < 300, "\(onMicro)")
    }

    /// `ketamapctl report` of the hybrid session covers both streams: band power of
    /// the sEEG contacts (2 kHz stream) and of the microwires (30 kHz), spike
    /// rates from the microwires only. Aligned at 6 s (3 s of baseline after
    /// the filters settle, 5 s of window).
    static func checkReport(_ nwb: String) async throws {
        let result = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapctl"), ["report", nwb, "--at", "6s", "--baseline", "3s", "--window", "0s..5s", "--json"], timeout: 120)
        #expect(result.status == 0, "ketamapctl report failed: \(result.error)")
        let report = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
        let regions = report["regions"] as? [[String: Any]] ?? []
        let seeg = regions.filter { $0["contacts"] as? String == "SEEG" }
        let micro = regions.filter { $0["contacts"] as? String == "MICRO" }
        #expect(!seeg.isEmpty && !micro.isEmpty, "regions of both streams: \(regions.map { $0["region"] ?? "" })")
        for region in seeg + micro {
            let decibels = Self.numbers(region["bandChangeDecibels"])
            #expect(decibels.count == 6, "a change in every band for \(region["region"] ?? ""): \(decibels)")
        }
        #expect(seeg.allSatisfy { $0["spikeRateBaseline"] == nil }, "no spike rate from the sEEG contacts")
        // Rates of the wires' crossings (how many depends on how far a loaded machine let processing keep up).
        #expect(micro.allSatisfy { $0["spikeRateBaseline"] is NSNumber && $0["spikeRateWindow"] is NSNumber }, "spike rates from the microwires: \(micro)")
        #expect(micro.reduce(0) { $0 + ($1["spikeRateBaseline"] as? Double ?? 0) + ($1["spikeRateWindow"] as? Double ?? 0) } > 0, "\(micro)")
        #expect(micro.allSatisfy { ($0["region"] as? String)?.hasSuffix("(microwires)") == true })
        let channels = report["channels"] as? [[String: Any]] ?? []
        #expect(channels.contains { ($0["name"] as? String)?.hasPrefix("mRA") == true } && channels.contains { ($0["name"] as? String)?.hasPrefix("LDL") == true })
    }

    /// sEEG simulated at 2 kHz, the 8 microwires replayed from a headless file at 30 kHz
    /// (`on_fault` as given), no processing: the replay's file is cut while it plays.
    static func replayedWires(onFault: String) -> (String) -> String {
        { text in
            var sections = text.components(separatedBy: "\n[[stream]]\n")  // header, seeg, micro (with [montage] and [processing])
            sections[1] = sections[1].replacingOccurrences(of: "kind = \"comedi\"", with: "kind = \"sim\"")
            sections[2] = sections[2].replacingOccurrences(of: "kind = \"comedi\"", with: "kind = \"replay\"")
                .replacingOccurrences(of: "on_fault = \"continue\"", with: "on_fault = \"\(onFault)\"")
                .replacingOccurrences(
                    of: "[stream.comedi]", with: "[stream.replay]\npath = \"wires.dat\"\nchannels = 8\nsample_rate_hz = 30000\nuv_per_bit = 0.195\n\n[stream.comedi]")
                .replacingOccurrences(of: "[processing]\n", with: "[processing]\nenabled = false\n")
            return sections.joined(separator: "\n[[stream]]\n")
        }
    }

    /// Writes 20 s of 8-channel int16 frames (sample = frame index, wrapped) as the wires' recording.
    static func writeWires(_ workspace: Workspace) throws {
        var samples = [Int16](repeating: 0, count: 20 * 30_000 * 8)
        for i in samples.indices { samples[i] = Int16(truncatingIfNeeded: i / 8) }
        try samples.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: "\(workspace.directory.path)/wires.dat")) }
    }

    @Test("a stream whose source fails mid-session with on_fault = continue: its gap is recorded as such, the other stream records on, exit 0")
    func streamFailsAndSessionContinues() async throws {
        let workspace = try Self.hybrid(Self.replayedWires(onFault: "continue"))
        try Self.writeWires(workspace)
        let daemon = try await workspace.startDaemon(session: "cut")
        _ = try await workspace.waitUntil("record 1 s of each stream") { ($0.streams ?? []).count == 2 && $0.streams!.allSatisfy { $0.recordedSeconds >= 1 } }
        let before = try #require(try await ControlClient.send(ControlRequest(command: .dose, dose: ConcurrentDoseTests.bolus), to: workspace.socketPath).dose)
        #expect(truncate("\(workspace.directory.path)/wires.dat", 0) == 0, "the replayed file is cut: its next read fails")
        let stopped = try await workspace.waitUntil("stop the wires") { $0.fault?.contains("stream micro stopped") == true }
        // Two more seconds on the session's clock, with the wires gone.
        _ = try await workspace.waitUntilRecorded(seconds: try #require(stopped).recordedSeconds + 2)
        let after = try #require(try await ControlClient.send(ControlRequest(command: .dose, dose: ConcurrentDoseTests.bolus), to: workspace.socketPath).dose)
        let status = try await ControlClient.send(ControlRequest(command: .status), to: workspace.socketPath).status
        #expect(status?.state == .recording, "the session records on")
        #expect(status?.streams?.map(\.name) == ["seeg", "micro"])
        let json = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["status", "--json", "--socket", workspace.socketPath], timeout: 30)
        try await StatusCommandTests.expectValid(json.output, schema: "status.schema.json")
        #expect((status?.streams?[0].framesWritten ?? 0) > (status?.streams?[1].framesWritten ?? 0) / 15, "each stream counts its own frames: \(String(describing: status?.streams))")
        let text = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["status", "--socket", workspace.socketPath], timeout: 30)
        #expect(text.output.contains("72 ch: seeg 64 @ 2000 Hz + micro 8 @ 30000 Hz"), "status names both rates: \(text.output)")
        #expect(text.output.contains("stream  seeg  sample ") && text.output.contains("stream  micro  sample "), "\(text.output)")
        daemon.signal(SIGTERM)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "a stream that may fail does not fail the session: \(ended.error)")
        // The summary: the wires' gap is theirs, the sEEG lost nothing.
        #expect(ended.output.contains("  lost      seeg: 0 frames in 0 gaps"), "\(ended.output)")
        #expect(ended.output.contains(#/  lost      micro: \d{5,} frames in 1 gaps/#), "\(ended.output)")
        #expect(ended.error.contains("stream stopped; the session records on without it"))
        let records = try EventLog.read(.init("\(workspace.directory.path)/cut.events.jsonl"))
        #expect(records.last?.kind == .sessionEnded)
        #expect(records.compactMap(\.dose).map(\.eventID) == [before.eventID, after.eventID], "both doses acknowledged and logged")
        guard let facts = try await workspace.facts("cut") else { return }
        let streams = facts["streams"] as? [String: [String: Any]] ?? [:]
        let wires = streams["micro"]?["frames"] as? Int ?? 0
        let seeg = streams["seeg"]?["frames"] as? Int ?? 0
        #expect(wires > 0 && wires < 30_000 * 3, "the wires stopped after about a second: \(wires)")
        #expect(seeg >= 2000 * 3, "the sEEG recorded on: \(seeg)")
        let gaps = facts["gaps"] as? [String: [Any]] ?? [:]
        #expect(gaps["cause"] as? [String] == ["stream-stopped"])
        #expect(gaps["stream"] as? [String] == ["micro"])
        #expect(Self.numbers(gaps["first_sample"]) == [Double(wires)], "the gap starts where the stream's series ends")
        #expect(Self.numbers(gaps["sample_count"]).first.map { $0 > 30_000 } == true, "about 2 s of the wires' samples are missing: \(gaps)")
        #expect(gaps["is_exact"]?.first.map { "\($0)" == "0" || "\($0)" == "false" } == true, "estimated from the session clock")
        #expect(facts["notes"] is NSNull || facts["notes"] == nil, "no session fault")
        // Both doses are in the file; on the wires' clock the one before the cut is a recorded
        // sample, the one after it falls in their gap (their clock table stopped with them).
        let doses = facts["doses"] as? [String: [Any]] ?? [:]
        #expect(Self.numbers(doses["sample_index"]) == [Double(before.sampleIndex), Double(after.sampleIndex)])
        let onWires = Self.numbers(doses["sample_index_micro"])
        let gapEnd = Double(wires) + (Self.numbers(gaps["sample_count"]).first ?? 0)
        #expect(onWires.count == 2 && onWires[0] < Double(wires), "\(onWires), \(wires) frames")
        #expect(onWires.count == 2 && onWires[1] >= Double(wires) && onWires[1] < gapEnd, "in the gap \(wires)..<\(gapEnd): \(onWires)")
    }

    @Test("a stream stopped with on_fault = continue does not hold the session past --duration: it ends by itself, exit 0, the gap up to the end")
    func stoppedStreamEndsAtTheDuration() async throws {
        let workspace = try Self.hybrid(Self.replayedWires(onFault: "continue"))
        try Self.writeWires(workspace)
        // 6 s: clock rows at 0 and 5 s of the session clock, the wires' second one at their stop.
        let daemon = try await workspace.startDaemon(session: "limit", ["--duration", "6"])
        try await workspace.waitUntilRecorded(seconds: 1)
        #expect(truncate("\(workspace.directory.path)/wires.dat", 0) == 0)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.error)")
        #expect(ended.output.contains("  lost      seeg: 0 frames in 0 gaps"), "\(ended.output)")
        #expect(ended.output.contains(#/  lost      micro: \d+ frames in 1 gaps/#), "\(ended.output)")
        guard let facts = try await workspace.facts("limit") else { return }
        let streams = facts["streams"] as? [String: [String: Any]] ?? [:]
        let wires = streams["micro"]?["frames"] as? Int ?? 0
        #expect(streams["seeg"]?["frames"] as? Int == 6 * 2000, "the sEEG recorded to the end")
        let gaps = facts["gaps"] as? [String: [Any]] ?? [:]
        #expect(gaps["cause"] as? [String] == ["stream-stopped"])
        let missing = Self.numbers(gaps["sample_count"]).first ?? 0
        // Counted from the wires' last block to the end of the session: together about 6 s of their clock.
        #expect(wires + Int(missing) <= 6 * 30_000 && wires + Int(missing) > 5 * 30_000, "the wires' gap runs from their stop to the session's end: \(wires) + \(missing)")
        // Their clock table's last row is placed at their stop (its offset that of a stream that
        // ran at its rate until then), not at the 5 s row after it.
        let clock = (streams["micro"]?["clock"] as? [String: Any]) ?? [:]
        let rows = (Self.numbers(clock["sample_index"]), Self.numbers(clock["timestamp"]), Self.numbers(clock["offset_seconds"]))
        #expect(rows.0.count == 2 && rows.0.last == Double(wires), "a row at the stop: \(clock)")
        #expect(rows.1.count == 2 && rows.1[1] < 5 && abs(rows.2[1] - rows.2[0]) < 0.1, "at \(rows.1) s, offsets \(rows.2)")
    }

    @Test("the same failure with on_fault = stop ends the session: exit 69, the fault names the stream, the file is valid with every sample")
    func streamFailsAndSessionStops() async throws {
        let workspace = try Self.hybrid(Self.replayedWires(onFault: "stop"))
        try Self.writeWires(workspace)
        let daemon = try await workspace.startDaemon(session: "stop")
        try await workspace.waitUntilRecorded(seconds: 1)
        #expect(truncate("\(workspace.directory.path)/wires.dat", 0) == 0)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == ExitStatus.sourceFault.rawValue, "\(ended.error)")
        let records = try EventLog.read(.init("\(workspace.directory.path)/stop.events.jsonl"))
        #expect(records.last?.kind == .sessionEnded)
        #expect(records.last?.detail?.contains("acquisition of stream micro stopped") == true, "\(String(describing: records.last?.detail))")
        guard let facts = try await workspace.facts("stop", inspect: true) else { return }
        #expect(facts["problems"] as? [String] == [], "the file closed valid")
        #expect((facts["notes"] as? String)?.contains("acquisition of stream micro stopped") == true, "\(String(describing: facts["notes"]))")
        let streams = facts["streams"] as? [String: [String: Any]] ?? [:]
        #expect((streams["micro"]?["frames"] as? Int ?? 0) > 0 && (streams["seeg"]?["frames"] as? Int ?? 0) > 0)
    }
}
