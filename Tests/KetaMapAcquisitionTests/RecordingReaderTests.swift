import Foundation
import KetaMapAcquisition
import KetaMapConfiguration
import KetaMapCore
import KetaMapTestSupport
import Testing

/// The readers of saved recordings: what each takes from the metadata, and
/// the clear error (naming the file and what was expected) for every way a
/// recording can be cut short, disagree with itself or be another variant.
@Suite("Recording readers")
struct RecordingReaderTests {
    func open(_ path: String, stream: String? = nil) throws(ReplayError) -> Recording {
        try Recording.open(ReplaySettings(path: path, stream: stream))
    }

    func failure(_ path: String, stream: String? = nil) -> ReplayError? {
        do {
            _ = try open(path, stream: stream)
            return nil
        } catch { return error }
    }

    static let rhythm = (folder: "Acquisition_Board-100.Rhythm Data", rate: 30000.0, channels: [
        (name: "CH1", bitVolts: 0.195, units: "uV"), (name: "CH2", bitVolts: 0.195, units: "uV"), (name: "ADC1", bitVolts: 0.00015, units: "V"),
        (name: "CH3", bitVolts: 0.39, units: "uV"),
    ])
    static let daq = (folder: "NI-DAQmx-102.PXIe-6341", rate: 25000.0, channels: [(name: "AI0", bitVolts: 0.0003, units: "V")])

    @Test("Open Ephys: names, bit_volts and rate per stream; ADC left out; the stream is chosen by name or by its continuous.dat")
    func openEphys() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let recording = try RecordingFixtures.openEphys(in: directory, streams: [Self.rhythm, Self.daq], frames: 500)
        let chosen = try open(directory, stream: Self.rhythm.folder)
        #expect(chosen.system == "Open Ephys")
        #expect(chosen.sampleRateHz == 30000)
        #expect(chosen.channels.map(\.name) == ["CH1", "CH2", "CH3"])
        #expect(chosen.channels.map(\.column) == [0, 1, 3])
        #expect(chosen.channels.map(\.microvoltsPerCount) == [0.195, 0.195, 0.39])
        #expect(chosen.frameCount == 500)
        #expect(chosen.provenance["left_out_channels"] == "ADC1")
        let byFile = try open(recording + "/continuous/" + Self.daq.folder + "/continuous.dat")
        #expect(byFile.stream == Self.daq.folder)
        #expect(byFile.sampleRateHz == 25000)
        #expect(byFile.channels.map(\.microvoltsPerCount) == [300])

        let ambiguous = try #require(failure(recording))
        #expect(ambiguous.code == .ambiguous)
        #expect(ambiguous.message.contains(Self.rhythm.folder) && ambiguous.message.contains(Self.daq.folder))
        #expect(ambiguous.fix.contains("stream="))
        #expect(failure(recording, stream: "Rhythm")?.code == .badParameters)
    }

    @Test("Open Ephys: a continuous.dat cut mid-frame, a channel count that disagrees, a missing file, broken JSON, the legacy format")
    func openEphysErrors() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let recording = try RecordingFixtures.openEphys(in: directory, streams: [Self.rhythm], frames: 100)
        let data = recording + "/continuous/" + Self.rhythm.folder + "/continuous.dat"
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: data))
        try handle.truncate(atOffset: 100 * 8 - 3)
        try handle.close()
        let cut = try #require(failure(recording))
        #expect(cut.code == .sizeMismatch)
        #expect(cut.path == data)
        #expect(cut.message.contains("797 bytes") && cut.message.contains("structure.oebin"))

        try FileManager.default.removeItem(atPath: data)
        #expect(failure(recording)?.code == .fileMissing)

        let structure = recording + "/structure.oebin"
        var text = try String(contentsOfFile: structure, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"num_channels\":4", with: "\"num_channels\":5")
        try text.write(toFile: structure, atomically: true, encoding: .utf8)
        let count = try #require(failure(recording))
        #expect(count.code == .badHeader)
        #expect(count.message.contains("5 channels but lists 4"))

        try "{\"continuous\": [{\"folder_name\": 3}]}".write(toFile: structure, atomically: true, encoding: .utf8)
        let broken = try #require(failure(recording))
        #expect(broken.code == .badHeader)
        #expect(broken.path == structure)
        #expect(broken.fix.contains("folder_name, sample_rate"))

        let legacyFolder = try TemporaryFolder("replay")

        let legacy = legacyFolder.path
        writeFile(legacy + "/100_CH1.continuous", [UInt8](repeating: 0, count: 2048))
        #expect(failure(legacy)?.code == .unsupported)
    }

    @Test("SpikeGLX: per-channel gains from imroTbl, the sync channel left out, the NI-DAQ gains, the stream chosen by name")
    func spikeGLX() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let base = directory + "/run_g0_t0.imec0.ap"
        RecordingFixtures.spikeGLX(base, channels: 5, frames: 300, fields: RecordingFixtures.neuropixels1(saved: 4) { $0 == 2 ? 250 : 500 })
        let probe = try open(base + ".bin")
        #expect(probe.system == "SpikeGLX")
        #expect(probe.stream == "imec0.ap")
        #expect(probe.channels.map(\.name) == ["AP0", "AP1", "AP2", "AP3"])
        #expect(probe.channels.map(\.microvoltsPerCount) == [0.6 / 512 / 500 * 1e6, 0.6 / 512 / 500 * 1e6, 0.6 / 512 / 250 * 1e6, 0.6 / 512 / 500 * 1e6])
        #expect(probe.provenance["left_out_channels"] == "SY0")
        if case .interleaved(_, let stride) = probe.layout { #expect(stride == 5) } else { Issue.record("layout \(probe.layout)") }

        RecordingFixtures.spikeGLX(directory + "/run_g0_t0.nidq", channels: 4, frames: 300, fields: [
            "typeThis": "nidq", "niSampRate": "25000", "niAiRangeMax": "5", "niMNGain": "200", "niMAGain": "2",
            "~snsChanMap": "(1,1,0,1,1)(MN0;0:0)(MA0;1:1)(XA0;2:2)(XD0;3:3)",
        ])
        #expect(failure(directory)?.code == .ambiguous)
        let daq = try open(directory, stream: "nidq")
        #expect(daq.channels.map(\.name) == ["MN0", "MA0", "XA0"])
        #expect(daq.channels.map(\.microvoltsPerCount) == [5.0 / 32768 / 200 * 1e6, 5.0 / 32768 / 2 * 1e6, 5.0 / 32768 * 1e6])
        #expect(daq.sampleRateHz == 25000)
    }

    @Test("SpikeGLX: a .bin shorter or longer than fileSizeBytes, a missing field, another probe table, a OneBox stream")
    func spikeGLXErrors() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let base = directory + "/run_g0_t0.imec0.ap"
        var fields = RecordingFixtures.neuropixels1(saved: 4)
        fields["fileSizeBytes"] = String(301 * 5 * 2)
        RecordingFixtures.spikeGLX(base, channels: 5, frames: 300, fields: fields)
        let short = try #require(failure(base + ".bin"))
        #expect(short.code == .truncated)
        #expect(short.path == base + ".bin")
        #expect(short.message.contains("fileSizeBytes=3010") && short.message.contains("3000 bytes"))

        fields["fileSizeBytes"] = String(299 * 5 * 2)
        RecordingFixtures.spikeGLX(base, channels: 5, frames: 300, fields: fields)
        #expect(failure(base + ".meta")?.code == .sizeMismatch)

        fields["fileSizeBytes"] = nil
        fields["~imroTbl"] = "(1100,384)" + (0..<384).map { "(\($0) 0 0 0 0 0 0 0)" }.joined()
        RecordingFixtures.spikeGLX(base, channels: 5, frames: 300, fields: fields)
        let probe = try #require(failure(base + ".bin"))
        #expect(probe.code == .unsupported)
        #expect(probe.message.contains("imroTbl type 1100"))
        #expect(probe.fix.contains("Neuropixels 1.0"))

        fields = RecordingFixtures.neuropixels1(saved: 4)
        fields["imSampRate"] = nil
        RecordingFixtures.spikeGLX(base, channels: 5, frames: 300, fields: fields)
        let missing = try #require(failure(base + ".bin"))
        #expect(missing.code == .badHeader)
        #expect(missing.message.contains("imSampRate") && missing.path == base + ".meta")

        fields = RecordingFixtures.neuropixels1(saved: 4)
        fields["nSavedChans"] = "6"
        RecordingFixtures.spikeGLX(base, channels: 5, frames: 300, fields: fields)
        #expect(failure(base + ".bin")?.code == .badHeader, "snsChanMap names 5 channels, nSavedChans says 6")

        RecordingFixtures.spikeGLX(directory + "/run_g0_t0.obx0.obx", channels: 2, frames: 10, fields: ["typeThis": "obx", "obSampRate": "30000"])
        #expect(failure(directory + "/run_g0_t0.obx0.obx.bin")?.code == .unsupported)
    }

    @Test("Intan: traditional data blocks re-centred, one file per signal type as stored; names from the header")
    func intan() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let names = ["LA1", "LA2", "LH1"]
        let header = RecordingFixtures.rhdHeader(names: names, adc: 1)
        var blocks: [UInt8] = []
        var expected: [Int16] = []
        for block in 0..<3 {
            var amplifier = [[UInt16]](repeating: [], count: names.count)
            for channel in 0..<names.count { amplifier[channel] = (0..<128).map { UInt16(truncatingIfNeeded: (block * 128 + $0) * 37 + channel * 20011) } }
            for sample in 0..<128 { for channel in 0..<names.count { expected.append(Int16(Int(amplifier[channel][sample]) - 32768)) } }
            blocks += (0..<128).flatMap { withUnsafeBytes(of: Int32(block * 128 + $0).littleEndian, Array.init) }
            blocks += amplifier.flatMap { $0.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) } }
            blocks += [UInt8](repeating: 0xAB, count: 128 * 2)  // one board ADC channel
        }
        writeFile(directory + "/session.rhd", header + blocks)
        let traditional = try open(directory + "/session.rhd")
        #expect(traditional.channels.map(\.name) == names)
        #expect(traditional.frameCount == 384)
        #expect(traditional.sampleRateHz == 20000)
        #expect(traditional.channels.allSatisfy { $0.microvoltsPerCount == 0.195 })
        #expect(traditional.provenance["left_out_channels"] == "ANALOG-IN-0")
        let replayed = try checkSourceConformance(frames: 1000) { try RecordingReplaySource(recording: traditional, pacing: .asFastAsPossible) }
        #expect(replayed == expected, "offset binary re-centred, block after block")

        let folder = directory + "/one_file"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        writeFile(folder + "/info.rhd", header)
        let stored = RecordingFixtures.samples(frames: 200, channels: 3, seed: 4)
        writeSamples(folder + "/amplifier.dat", stored)
        writeFile(folder + "/time.dat", [UInt8](repeating: 0, count: 200 * 4))
        let oneFile = try open(folder)
        #expect(oneFile.channels.map(\.name) == names)
        #expect(try readAll(try RecordingReplaySource(recording: oneFile, pacing: .asFastAsPossible), frames: 300, bufferFrames: 64).elementsEqual(stored))
    }

    @Test("Intan: a file cut mid-block, amplifier.dat shorter than time.dat, one file per channel, RHS files, unknown versions")
    func intanErrors() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let header = RecordingFixtures.rhdHeader(names: ["A", "B"])
        let block = 128 * 4 + 2 * 128 * 2
        writeFile(directory + "/cut.rhd", header + [UInt8](repeating: 1, count: block * 2 + 100))
        let cut = try #require(failure(directory + "/cut.rhd"))
        #expect(cut.code == .truncated)
        #expect(cut.message.contains("2 data blocks of \(block) bytes") && cut.message.contains("100 bytes over"))

        let folder = directory + "/one"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        writeFile(folder + "/info.rhd", header)
        writeFile(folder + "/amplifier.dat", [UInt8](repeating: 0, count: 90 * 4))
        writeFile(folder + "/time.dat", [UInt8](repeating: 0, count: 100 * 4))
        let short = try #require(failure(folder))
        #expect(short.code == .truncated)
        #expect(short.message.contains("90 frames") && short.message.contains("100 time stamps"))

        try FileManager.default.removeItem(atPath: folder + "/amplifier.dat")
        writeFile(folder + "/amp-A-000.dat", [0, 0])
        #expect(failure(folder)?.code == .unsupported)

        writeFile(directory + "/stim.rhs", [0xAC, 0x27, 0x91, 0xD6])
        #expect(failure(directory + "/stim.rhs")?.code == .unsupported)
        writeFile(directory + "/magic.rhd", RecordingFixtures.rhdHeader(names: ["A"], magic: 0xD691_27AC))
        #expect(failure(directory + "/magic.rhd")?.code == .unsupported)
        writeFile(directory + "/v9.rhd", RecordingFixtures.rhdHeader(major: 9, names: ["A"]))
        let version = try #require(failure(directory + "/v9.rhd"))
        #expect(version.code == .unsupported && version.message.contains("9.0"))
    }

    @Test("a header cut at any byte, or overwritten with noise, is an error and never a crash")
    func hostileHeaders() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let header = RecordingFixtures.rhdHeader(names: ["LA1", "LA2"], adc: 1)
        for length in 0..<header.count {
            writeFile(directory + "/cut.rhd", Array(header[0..<length]))
            let error = failure(directory + "/cut.rhd")
            #expect(error != nil, "a header of \(length) bytes was accepted")
            #expect(error?.path == directory + "/cut.rhd")
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<300 {
            var noisy = header
            for _ in 0..<4 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                noisy[Int(state >> 33) % noisy.count] = UInt8(truncatingIfNeeded: state >> 17)
            }
            writeFile(directory + "/noise.rhd", noisy + [UInt8](repeating: 0, count: 4096))
            _ = failure(directory + "/noise.rhd")  // any outcome but a trap
        }
        var huge = header
        huge.replaceSubrange(48..<52, with: [0xFE, 0xFF, 0xFF, 0x7F])  // the first note's length (after 48 bytes of fixed fields): 2 GiB
        writeFile(directory + "/huge.rhd", huge)
        #expect(failure(directory + "/huge.rhd")?.code == .badHeader)

        writeFile(directory + "/garbage.meta", (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 131) })
        writeFile(directory + "/garbage.bin", [])
        #expect(failure(directory + "/garbage.meta") != nil)
        writeFile(directory + "/structure.oebin", Array("{\"continuous\": [".utf8))
        #expect(failure(directory + "/structure.oebin")?.code == .badHeader)
    }

    @Test("a montage is matched by name (its order is recorded); a mismatch names both sides")
    func montageByName() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        try RecordingFixtures.openEphys(in: directory, streams: [Self.rhythm], frames: 50)
        let recording = try open(directory)
        func montage(_ names: [String]) -> Montage {
            Montage(
                channels: names.enumerated().map { MontageChannel(name: $1, kind: .seeg, group: "A", region: "left amygdala", hardwareChannel: $0) },
                groups: [ElectrodeGroup(name: "A", description: "", region: "left amygdala")])
        }
        let reordered = try RecordingReplaySource(recording: recording, montage: montage(["CH3", "CH1", "CH2"]), pacing: .asFastAsPossible)
        #expect(reordered.montage.channels.map(\.name) == ["CH3", "CH1", "CH2"])
        #expect(reordered.format.calibration.microvoltsPerCount.map { ($0 * 1000).rounded() / 1000 } == [0.39, 0.195, 0.195])
        let samples = try readAll(reordered, frames: 50, bufferFrames: 16)
        let stored = RecordingFixtures.samples(frames: 50, channels: 4, seed: 1)
        var expected: [Int16] = []
        for frame in 0..<50 { expected += [stored[frame * 4 + 3], stored[frame * 4], stored[frame * 4 + 1]] }
        #expect(samples == expected, "columns in the montage's order")

        do {
            _ = try RecordingReplaySource(recording: recording, montage: montage(["CH1", "CH2", "LA3"]))
            Issue.record("a montage naming LA3 was accepted")
        } catch {
            #expect(error.code == .montageMismatch)
            #expect(error.message.contains("the montage's LA3 is not in the recording"))
            #expect(error.message.contains("the recording's CH3 is not in the montage"))
        }
    }

    @Test("a path that is no known recording says what was expected")
    func unknown() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        writeFile(directory + "/notes.txt", Array("hello".utf8))
        let error = try #require(failure(directory + "/notes.txt"))
        #expect(error.code == .unsupported)
        for expected in ["structure.oebin", ".meta", "info.rhd", "channels=N"] { #expect(error.fix.contains(expected), "\(error)") }
        #expect(failure(directory + "/nothing-here")?.code == .fileMissing)
    }
}
