import Foundation
import KetaMapCore
import KetaMapDSP
import KetaMapTestSupport
import Testing

@testable import KetaMapStorage

#if canImport(Glibc)
import Glibc
#endif

/// A session of two streams as the daemon lays it out: an sEEG shaft at 2 kHz
/// whose contacts lie in two regions, and a microwire bundle at 30 kHz, one
/// montage (stream after stream) with bipolar processing.
enum TwoStreamFixture {
    static let seegRateHz = 2000.0
    static let microRateHz = 30000.0

    /// LA1, LA2 in the left amygdala and LA3, LA4 in the left hippocampus (deepest first),
    /// then the microwires mLA1–mLA4 in the left amygdala.
    static func montage() -> Montage {
        let shaft = (0..<4).map { k in
            MontageChannel(
                name: "LA\(k + 1)", kind: .seeg, group: "LA", region: k < 2 ? "Left amygdala" : "Left hippocampus",
                x: -20 - Double(k) * 3, y: 0, z: -10, alongShaftMillimeters: Double(k) * 3.5, hardwareChannel: k)
        }
        let wires = (0..<4).map { w in
            MontageChannel(name: "mLA\(w + 1)", kind: .micro, group: "mLA", region: "Left amygdala", x: -18 - Double(w), y: 2, z: -12, hardwareChannel: w)
        }
        return Montage(
            channels: shaft + wires,
            groups: [
                ElectrodeGroup(name: "LA", description: "sEEG shaft LA, 4 contacts", region: "Left amygdala"),
                ElectrodeGroup(name: "mLA", description: "microwire bundle in the left amygdala", region: "Left amygdala"),
            ],
            coordinateSpace: "ACPC")
    }

    static func description() -> SessionDescription {
        let montage = montage()
        let seeg = SampleFormat(channelCount: 4, sampleRateHz: seegRateHz, calibration: Calibration(voltsPerCount: 0.195e-6, channelGains: [1, 1, 1, 1]))
        let micro = SampleFormat(channelCount: 4, sampleRateHz: microRateHz, calibration: Calibration(voltsPerCount: 0.195e-6, channelGains: [0.25, 0.25, 0.25, 0.25]))
        // The daemon's own derivation: three pairs on the shaft (the middle one across the boundary), then the wires monopolar.
        let processed = ProcessingSettings.Reference.bipolar.processedChannels(for: montage)
        var d = SessionFixture.description()
        d.montage = montage
        d.format = SampleFormat(
            channelCount: 8, sampleRateHz: seegRateHz,
            calibration: Calibration(voltsPerCount: 1e-6, channelGains: seeg.calibration.microvoltsPerCount + micro.calibration.microvoltsPerCount))
        d.processedChannels = processed
        d.streams = [
            StreamDescription(name: "seeg", format: seeg, firstRow: 0, processedChannels: 0..<3),
            StreamDescription(name: "micro", format: micro, firstRow: 4, processedChannels: 3..<processed.count),
        ]
        return d
    }

    /// Creates the session at `path`, appends `frames` of each stream, then adds `gaps` (each
    /// with its stream) in the order given: the order the writer hears of them.
    static func write(_ path: String, frames: (seeg: Int, micro: Int), gaps: [(AcquisitionGap, stream: Int)] = []) throws -> NWBSessionWriter {
        let writer = try NWBSessionWriter(creating: path, description: description())
        try appendRaw(writer, stream: 0, frames: frames.seeg)
        try appendRaw(writer, stream: 1, frames: frames.micro)
        for (gap, stream) in gaps { try writer.addGap(gap, stream: stream) }
        return writer
    }

    /// Appends `frames` frames of stream `stream` (4 channels) of the synthetic signal.
    static func appendRaw(_ writer: NWBSessionWriter, stream: Int, frames: Int) throws {
        let block = 1000
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: block * 4)
        defer { buffer.deallocate() }
        var written = 0
        while written < frames {
            let count = min(block, frames - written)
            SessionFixture.fillRaw(buffer, firstFrame: written, frames: count, channels: 4)
            try writer.appendRaw(UnsafeBufferPointer(rebasing: buffer[0..<(count * 4)]), stream: stream)
            written += count
        }
    }

    /// What `stream_facts.py` reports of the file at `path` (nwbinspector, pynwb and
    /// SpikeInterface under "problems"); nil outside CI without Python.
    static func facts(_ path: String) async throws -> [String: Any]? {
        guard let python = ProcessRunner.python() else { return nil }
        let result = try await ProcessRunner.run(python, [ProcessRunner.pythonScript("stream_facts.py"), path, "--inspect"])
        #expect(result.status == 0, "stream_facts.py failed: \(result.error)")
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
    }

    /// The gaps table's rows, one line each: start and stop time, stream, cause, first sample, count, exact (numbers as doubles).
    static func gapRows(_ facts: [String: Any]) -> [String] {
        let gaps = facts["gaps"] as? [String: [Any]] ?? [:]
        let columns = ["start_time", "stop_time", "stream", "cause", "first_sample", "sample_count", "is_exact"].map { gaps[$0] ?? [] }
        let rows = columns.map(\.count).min() ?? 0
        func cell(_ value: Any) -> String { (value as? NSNumber).map { "\($0.doubleValue)" } ?? "\(value)" }
        return (0..<rows).map { row in columns.map { cell($0[row]) }.joined(separator: " ") }
    }
}

/// Serialized: the recovery test starts a writer child, which would inherit (and hold the
/// lock of) a session file another test of the suite opens at that moment.
@Suite("Session files of several streams", .serialized)
struct SeveralStreamsFileTests {
    /// The gaps of the two scenarios, in the order they reach the writer.
    static let seegOverrun = AcquisitionGap(firstSample: 2000, sampleCount: 200, cause: .deviceOverrun, isExact: false)  // 1.0–1.1 s
    static let seegLater = AcquisitionGap(firstSample: 5000, sampleCount: 100, cause: .ringOverrun, isExact: true)  // 2.5–2.55 s
    static let microOverrun = AcquisitionGap(firstSample: 36_000, sampleCount: 300, cause: .ringOverrun, isExact: true)  // 1.2–1.21 s
    static let microStopped = AcquisitionGap(firstSample: 45_000, sampleCount: 45_000, cause: .streamStopped, isExact: false)  // 1.5–3.0 s

    @Test("a stream-stopped gap written at the close, after a later gap of the other stream: the closed file's gaps ascend in start_time, each row whole; nwbinspector is clean")
    func gapsAreInTimeOrderAfterClose() async throws {
        let temporary = try TemporaryFolder("storage")
        let path = temporary.path("streams.nwb")
        // micro stops at 1.5 s; seeg records 3 s with two gaps, one of them after micro's stop;
        // micro's gap is known only at the session's end, so it is written last.
        let writer = try TwoStreamFixture.write(
            path, frames: (seeg: 6000, micro: 45_000), gaps: [(Self.seegOverrun, 0), (Self.seegLater, 0), (Self.microStopped, 1)])
        try writer.close()
        #expect(try NWBSessionReader(path: path).gaps() == [Self.seegOverrun, Self.microStopped, Self.seegLater])
        guard let facts = try await TwoStreamFixture.facts(path) else { return }
        #expect(TwoStreamFixture.gapRows(facts) == [
            "1.0 1.1 seeg device-overrun 2000.0 200.0 0.0",
            "1.5 3.0 micro stream-stopped 45000.0 45000.0 0.0",
            "2.5 2.55 seeg ring-overrun 5000.0 100.0 1.0",
        ])
        #expect(facts["problems"] as? [String] == [], "pynwb, nwbinspector and SpikeInterface accept the file")
    }

    @Test("after kill -9 with both streams' gaps out of order, the file recovery finishes has them in start_time order, each row whole; nwbinspector is clean")
    func gapsAreInTimeOrderAfterRecovery() async throws {
        let temporary = try TemporaryFolder("storage")
        let path = temporary.path("crashed.nwb")
        let child = try ProcessRunner.start(
            CommandLine.arguments[0], ["--testing-library", "swift-testing", "--filter", "outOfOrderGapsChild"],
            environment: ["KETAMAP_GAPS_WRITER": path])
        let ended = try await child.wait(timeout: 120)
        #expect(ended.status == SIGKILL, "the writer was killed after its last flush: \(ended.status) \(ended.error)")
        #expect(NWBSessionRepair.isMarkedOpenForWriting(path), "the file was never closed")
        try NWBSessionRepair.clearWriterMark(path)
        try NWBSessionRepair.complete(path, adding: [], marks: [], note: "killed; finished by the test as recover does")
        #expect(try NWBSessionReader(path: path).gaps() == [Self.seegOverrun, Self.microOverrun, Self.seegLater])
        guard let facts = try await TwoStreamFixture.facts(path) else { return }
        #expect(TwoStreamFixture.gapRows(facts) == [
            "1.0 1.1 seeg device-overrun 2000.0 200.0 0.0",
            "1.2 1.21 micro ring-overrun 36000.0 300.0 1.0",
            "2.5 2.55 seeg ring-overrun 5000.0 100.0 1.0",
        ])
        #expect(facts["problems"] as? [String] == [], "pynwb, nwbinspector and SpikeInterface accept the recovered file")
    }

    @Test("a bipolar pair across two regions is a boundary pair in the file's electrodes table: location `deeper | shallower`, macro pairs and microwires told apart by contact_type")
    func boundaryPairInTheElectrodesTable() async throws {
        let temporary = try TemporaryFolder("storage")
        let path = temporary.path("boundary.nwb")
        let d = TwoStreamFixture.description()
        #expect(d.processedChannels.map(\.name) == ["LA1-LA2", "LA2-LA3", "LA3-LA4", "mLA1", "mLA2", "mLA3", "mLA4"])
        try TwoStreamFixture.write(path, frames: (seeg: 2000, micro: 30_000)).close()
        guard let facts = try await TwoStreamFixture.facts(path) else { return }
        #expect(facts["problems"] as? [String] == [], "pynwb, nwbinspector and SpikeInterface accept the file")
        let names = facts["electrodes"] as? [String] ?? []
        let columns = facts["electrode_columns"] as? [String: [String]] ?? [:]
        func row(_ name: String) -> [String] {
            guard let index = names.lastIndex(of: name) else { return [] }  // a processed channel's row follows the raw rows
            return ["location", "contact_type", "group_name"].map { columns[$0]?[index] ?? "" }
        }
        // The raw rows: each contact in its own region.
        #expect(names.prefix(8) == ["LA1", "LA2", "LA3", "LA4", "mLA1", "mLA2", "mLA3", "mLA4"])
        #expect(Array(columns["location"]?.prefix(8) ?? []) == ["Left amygdala", "Left amygdala", "Left hippocampus", "Left hippocampus"] + Array(repeating: "Left amygdala", count: 4))
        // The processed rows: the pair across the boundary belongs to neither region.
        #expect(row("LA1-LA2") == ["Left amygdala", "SEEG", "LA"])
        #expect(row("LA2-LA3") == ["Left amygdala | Left hippocampus", "SEEG", "LA"], "ProcessedChannel.boundaryRegion: deeper | shallower")
        #expect(row("LA3-LA4") == ["Left hippocampus", "SEEG", "LA"])
        #expect(row("mLA1") == ["Left amygdala", "MICRO", "mLA"], "microwires in the same region as LA1-LA2 are told apart by their contact type")
        #expect(names.count == 15 && Array(columns["reference"]?.suffix(7) ?? []) == ["LA2", "LA3", "LA4"] + Array(repeating: "recording reference", count: 4))
    }

    /// The child of `gapsAreInTimeOrderAfterRecovery`: writes seeg's later gap, then micro's,
    /// then seeg's earlier one (each noticed late), flushes, and dies. Does nothing unless `KETAMAP_GAPS_WRITER` is set.
    @Test("out-of-order gaps writer child (runs only when re-executed by gapsAreInTimeOrderAfterRecovery)")
    func outOfOrderGapsChild() throws {
        guard let path = ProcessInfo.processInfo.environment["KETAMAP_GAPS_WRITER"] else { return }
        let writer = try TwoStreamFixture.write(
            path, frames: (seeg: 6000, micro: 90_000), gaps: [(Self.seegLater, 0), (Self.microOverrun, 1), (Self.seegOverrun, 0)])
        try writer.flush()
        kill(getpid(), SIGKILL)
    }
}
