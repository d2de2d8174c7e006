import Foundation
import KetaMapCore
import KetaMapTestSupport
import Testing

@testable import KetaMapStorage
import KetaMapDSP
import KetaMapConfiguration

/// What `writeSyntheticSession` wrote, for comparisons (also dumped as JSON for `check_session.py`).
struct WrittenSession: Codable {
    struct Dose: Codable {
        var drug, unit, route, `operator`, note, wall_clock: String; var amount: Double; var sample_index: Int; var start_time, stop_time: Double
        /// The normalised form and who gave it, beside the entered one.
        var operator_note: String; var operator_uid: Int; var amount_mg, amount_mg_per_kg, weight_kg: Double
        var duration_s, rate_mg_per_kg_per_h: Double?
    }
    struct Crossing: Codable { var sample_index: Int; var electrode_row: Int; var amplitude: Float }
    struct Gap: Codable { var first_sample: Int; var is_exact: Bool }
    var channel_names: [String]
    var locations: [String]
    var groups: [String]
    var gains_uv: [Double]
    /// µm, as NWB and SpikeInterface read them.
    var rel_y: [Double]
    /// NWB x, y, z in µm (+x posterior, +y inferior, +z right) and the montage's space.
    var nwb_xyz: [[Double]]
    var coordinate_space: String
    var rate_hz: Double
    var frames: Int
    var subject_id: String
    var band_names: [String]
    var band_limits: [[Double]]
    var band_power_rows: Int
    var band_power_rate_hz: Double
    var lfp_rows: Int
    var processed_names: [String]
    var doses: [Dose]
    var crossings: [Crossing]
    var marks: [String]
    var gaps: [Gap]
}

/// Writes `frames` raw frames in 10 ms blocks, LFP, `bandRows` band-power rows,
/// two doses, a mark, a gap, clock samples and threshold crossings; closes the file.
func writeSyntheticSession(at path: String, description d: SessionDescription, frames: Int, bandRows: Int) throws -> WrittenSession {
    let writer = try NWBSessionWriter(creating: path, description: d)
    let channels = d.format.channelCount
    let block = Int(d.format.sampleRateHz / 100)
    let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: block * channels)
    defer { buffer.deallocate() }
    let p = d.processedChannels.count
    let lfpPerBlock = Int(d.processing.lfpRateHz / 100)
    let lfpBuffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: lfpPerBlock * p)
    defer { lfpBuffer.deallocate() }
    var lfpRows = 0
    var doses: [WrittenSession.Dose] = []
    var crossings: [WrittenSession.Crossing] = []
    let micro = d.processedChannels.indices.filter { d.processedChannels[$0].detectsSpikes }
    let waveform = [Float](repeating: -42, count: d.snippetSampleCount)
    try writer.addClockSample(sampleIndex: 0, wallClock: d.sessionStartTime, monotonicSeconds: 1000)
    var frame = 0
    while frame < frames {
        let n = min(block, frames - frame)
        SessionFixture.fillRaw(buffer, firstFrame: frame, frames: n, channels: channels)
        try writer.appendRaw(UnsafeBufferPointer(rebasing: buffer[0..<(n * channels)]))
        for r in 0..<lfpPerBlock { for c in 0..<p { lfpBuffer[r * p + c] = SessionFixture.lfpValue(row: lfpRows + r, channel: c) } }
        try writer.appendLFP(UnsafeBufferPointer(lfpBuffer))
        lfpRows += lfpPerBlock
        frame += n
        if frame % (block * 20) == 0, !micro.isEmpty {
            let channel = micro[(frame / block) % micro.count]
            let amplitude = Float(-50 - frame % 37)
            try waveform.withUnsafeBufferPointer { try writer.appendThresholdCrossing(sampleIndex: UInt64(frame - 3), processedChannel: channel, amplitudeMicrovolts: amplitude, waveform: $0) }
            crossings.append(.init(sample_index: frame - 3, electrode_row: d.channelCountOffset + channel, amplitude: amplitude))
        }
        if frame == block * 50 || frame == block * 150 {
            let infusion = frame == block * 150
            let request = DoseRequest(
                drug: "ketamine", amount: infusion ? 0.5 : 0.1, unit: infusion ? .milligramsPerKilogram : .milligramsPerKilogram,
                route: infusion ? .ivInfusion : .ivBolus, overSeconds: infusion ? 2400 : nil, operator: "typed name", note: infusion ? "40 min infusion" : "test bolus ✓")
            let dose = DoseEvent(
                stamping: request, atSample: UInt64(frame - 1), rateHz: d.format.sampleRateHz, weightKilograms: 70,
                wallClock: "2026-11-26T09:00:0\(frame / (block * 100))Z", eventID: UInt64(frame), peer: PeerCredentials(uid: 1000, gid: 1000, pid: 4242),
                operatorAccount: "Dr. Müller")
            try writer.addDose(dose)
            try writer.flush()
            doses.append(.init(
                drug: request.drug, unit: request.unit.rawValue, route: request.route.rawValue, operator: dose.operatorAccount!, note: request.note,
                wall_clock: dose.wallClock, amount: request.amount, sample_index: frame - 1, start_time: dose.startSeconds, stop_time: dose.stopSeconds,
                operator_note: request.operator, operator_uid: Int(dose.peer!.uid), amount_mg: dose.normalized.milligrams,
                amount_mg_per_kg: dose.normalized.milligramsPerKilogram, weight_kg: dose.normalized.weightKilograms, duration_s: request.overSeconds,
                rate_mg_per_kg_per_h: dose.normalized.milligramsPerKilogramPerHour))
        }
        if frame == block * 100 {
            try writer.addMark(Mark(text: "eyes closed", sampleIndex: UInt64(frame), seconds: Double(frame) / d.format.sampleRateHz, wallClock: "2026-11-26T09:00:01Z"))
            try writer.addGap(AcquisitionGap(firstSample: UInt64(frame - 10), sampleCount: 10, cause: .ringOverrun, isExact: true))
            try writer.addClockSample(sampleIndex: UInt64(frame), wallClock: d.sessionStartTime.addingTimeInterval(1), monotonicSeconds: 1001)
        }
    }
    let bands = d.processing.bands.count
    var row = [Float](repeating: 0, count: p * bands)
    for r in 0..<bandRows {
        for c in 0..<p { for b in 0..<bands { row[c * bands + b] = SessionFixture.bandValue(row: r, channel: c, band: b) } }
        try row.withUnsafeBufferPointer { try writer.appendBandPower($0) }
    }
    #expect(writer.framesWritten == UInt64(frames))
    try writer.close()
    let m = d.montage
    return WrittenSession(
        channel_names: m.channels.map(\.name), locations: m.channels.map(\.region), groups: m.channels.map(\.group),
        gains_uv: d.format.calibration.microvoltsPerCount, rel_y: m.channels.map { $0.alongShaftMillimeters * 1000 },
        nwb_xyz: m.channels.map { [-$0.y! * 1000, -$0.z! * 1000, $0.x! * 1000] }, coordinate_space: m.coordinateSpace, rate_hz: d.format.sampleRateHz,
        frames: frames, subject_id: d.subject.id, band_names: d.processing.bands.map(\.name), band_limits: d.processing.bands.map { [$0.lowHz, $0.highHz] },
        band_power_rows: bandRows, band_power_rate_hz: d.processing.bandPowerRateHz, lfp_rows: lfpRows,
        processed_names: d.processedChannels.map(\.name), doses: doses, crossings: crossings, marks: ["eyes closed"],
        gaps: [.init(first_sample: block * 100 - 10, is_exact: true)])
}

extension SessionDescription {
    /// Electrode row of processed channel 0.
    var channelCountOffset: Int { processedChannelsAreRawRows ? 0 : format.channelCount }
}

@Suite("NWB session writer")
struct NWBSessionWriterTests {
    @Test("a written session reads back: samples, montage, calibration, doses, gaps, marks, band power, crossings")
    func writeThenRead() throws {
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("session.nwb").path
        let d = SessionFixture.description()
        let written = try writeSyntheticSession(at: path, description: d, frames: 25_000, bandRows: 100)

        let reader = try NWBSessionReader(path: path)
        #expect(reader.frameCount == 25_000)
        #expect(reader.format == d.format)
        #expect(reader.montage.channels == d.montage.channels.map { var c = $0; c.sizeSquareMillimeters = nil; return c })
        #expect(reader.montage.groups == d.montage.groups)
        #expect(reader.processedChannels.map(\.name) == d.processedChannels.map(\.name))
        #expect(reader.processedChannels.map(\.cathode) == d.processedChannels.map(\.cathode))
        #expect(reader.processing == d.processing)
        #expect(reader.sessionID == d.sessionID)
        #expect(reader.identifier == d.identifier)

        let channels = d.format.channelCount
        let frames = 777
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: frames * channels)
        defer { buffer.deallocate() }
        try reader.readRaw(firstFrame: 12_345, frameCount: frames, into: buffer)
        var mismatches = 0
        for f in 0..<frames { for c in 0..<channels where buffer[f * channels + c] != SessionFixture.rawSample(frame: 12_345 + f, channel: c) { mismatches += 1 } }
        #expect(mismatches == 0)

        let doses = try reader.doses()
        #expect(doses.map(\.sampleIndex) == written.doses.map { UInt64($0.sample_index) })
        #expect(doses.map(\.request.note) == ["test bolus ✓", "40 min infusion"])
        #expect(doses.last?.request.route == .ivInfusion)
        #expect(doses.last?.request.overSeconds == 2400)
        #expect(try reader.gaps() == [AcquisitionGap(firstSample: 9_990, sampleCount: 10, cause: .ringOverrun, isExact: true)])
        #expect(try reader.marks().map(\.text) == ["eyes closed"])

        let power = try #require(try reader.bandPower())
        #expect(power.rowCount == 100)
        #expect(power.bands == d.processing.bands)
        #expect(power.rateHz == 10)
        #expect(power.value(row: 7, channel: 3, band: 2) == SessionFixture.bandValue(row: 7, channel: 3, band: 2))
        let times = try reader.thresholdCrossingTimes()
        #expect(times.reduce(0) { $0 + $1.count } == written.crossings.count)
        #expect(times.count == d.processedChannels.count)
    }

    @Test("with deflate on, and with flushes inside a chunk, samples read back bit for bit", arguments: [nil, 1] as [Int?])
    func compressedAndPartialChunks(deflateLevel: Int?) throws {
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("s.nwb").path
        let d = SessionFixture.description(storage: StorageSettings(flushSeconds: 0.037, deflateLevel: deflateLevel, chunkSeconds: 0.1))
        _ = try writeSyntheticSession(at: path, description: d, frames: 7_300, bandRows: 3)
        let reader = try NWBSessionReader(path: path)
        let channels = d.format.channelCount
        #expect(reader.frameCount == 7_300)
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 7_300 * channels)
        defer { buffer.deallocate() }
        try reader.readRaw(firstFrame: 0, frameCount: 7_300, into: buffer)
        var mismatches = 0
        for f in 0..<7_300 { for c in 0..<channels where buffer[f * channels + c] != SessionFixture.rawSample(frame: f, channel: c) { mismatches += 1 } }
        #expect(mismatches == 0)
        let one = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 7_300)
        defer { one.deallocate() }
        try reader.readChannel(87, firstFrame: 0, frameCount: 7_300, into: one)
        #expect((0..<7_300).allSatisfy { one[$0] == SessionFixture.rawSample(frame: $0, channel: 87) })
    }

    @Test("raw chunks share the channels evenly, so the raw dataset takes its int16 bytes and no padding", arguments: [88, 108, 64, 7])
    func rawChunksAreNotPadded(channels: Int) throws {
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("size.nwb").path
        var d = SessionFixture.description(storage: StorageSettings(chunkSeconds: 0.1))
        d.montage = Montage.numbered(count: channels)
        d.format = SampleFormat(
            channelCount: channels, sampleRateHz: d.format.sampleRateHz,
            calibration: Calibration(voltsPerCount: 1e-7, channelGains: [Double](repeating: 1, count: channels)))
        d.processedChannels = []
        let writer = try NWBSessionWriter(creating: path, description: d)
        let frames = 4 * Int((0.1 * d.format.sampleRateHz).rounded())  // whole rows of chunks
        let samples = [Int16](repeating: 3, count: frames * channels)
        try samples.withUnsafeBufferPointer { try writer.appendRaw($0) }
        try writer.close(fault: nil)
        let file = try HDF5File.open(path, mode: .readOnly)
        let raw = try file.root.openDataset("acquisition/ElectricalSeries/data")
        #expect(raw.storageBytes == UInt64(frames * channels * MemoryLayout<Int16>.size))
        try raw.close()
        try file.close()
    }

    @Test("a session stopped by a fault records why, and its empty tables are gone")
    func faultIsRecorded() throws {
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("fault.nwb").path
        let d = SessionFixture.description()
        let writer = try NWBSessionWriter(creating: path, description: d)
        let frames = [Int16](repeating: 5, count: 100 * d.format.channelCount)
        try frames.withUnsafeBufferPointer { try writer.appendRaw($0) }
        try writer.close(fault: "disk full while writing /acquisition/ElectricalSeries")
        #expect(writer.cleanupSkippedReason == nil)
        let reader = try NWBSessionReader(path: path)
        #expect(reader.faultNote?.contains("disk full") == true)
        #expect(reader.frameCount == 100)
        #expect(try reader.doses().isEmpty)
        let file = try HDF5File.open(path, mode: .readOnly)
        #expect(try !file.root.exists("intervals/dosing"))
        #expect(try !file.root.exists("events/threshold_crossings"))
        #expect(try !file.root.exists("processing/ecephys"))
        #expect(try file.root.exists("acquisition/ElectricalSeries/data"))
        try file.close()
    }

    @Test("a session never overwrites an existing file")
    func refusesToOverwrite() throws {
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("taken.nwb").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8))
        #expect(throws: SessionFileError.self) { _ = try NWBSessionWriter(creating: path, description: SessionFixture.description()) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test("two doses never share a start sample")
    func refusesDuplicateDoseStart() throws {
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let d = SessionFixture.description()
        let writer = try NWBSessionWriter(creating: folder.appendingPathComponent("s.nwb").path, description: d)
        let request = DoseRequest(drug: "ketamine", amount: 0.1, unit: .milligramsPerKilogram, route: .ivBolus)
        try writer.addDose(DoseEvent(stamping: request, atSample: 100, rateHz: 10_000, weightKilograms: 70, wallClock: "x"))
        #expect(throws: SessionFileError.self) { try writer.addDose(DoseEvent(stamping: request, atSample: 100, rateHz: 10_000, weightKilograms: 70, wallClock: "y")) }
        try writer.close()
    }

    @Test("pynwb, nwbinspector and SpikeInterface accept the file and read back what was written", arguments: [true, false])
    func ecosystemAcceptsTheFile(bipolar: Bool) async throws {
        guard let python = ProcessRunner.python() else { return }
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("session.nwb").path
        var d = SessionFixture.description()
        if !bipolar {
            // Monopolar: processed channels are the raw rows themselves (no extra electrode rows).
            d.processing.reference = .monopolar
            d.processedChannels = d.montage.channels.enumerated().map { i, c in
                ProcessedChannel(name: c.name, anode: i, cathode: nil, referenceDescription: "recording reference", region: c.region, group: c.group, detectsSpikes: c.kind == .micro)
            }
            #expect(d.processedChannelsAreRawRows)
        }
        let written = try writeSyntheticSession(at: path, description: d, frames: 25_000, bandRows: 100)
        let expected = folder.appendingPathComponent("expected.json")
        try JSONEncoder().encode(written).write(to: expected)
        let result = try await PythonCheck.run(python, ["full", path, expected.path])
        #expect(result.status == 0, "check_session.py full failed:\n\(result.output)")
        print(result.output)
    }
}
