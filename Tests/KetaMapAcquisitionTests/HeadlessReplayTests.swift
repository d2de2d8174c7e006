import KetaMapTestSupport
import Testing
import KetaMapCore
import KetaMapAcquisition

#if canImport(Glibc)
import Glibc
import KetaMapConfiguration
#endif

/// Writes `bytes` to `path`.
func writeFile(_ path: String, _ bytes: [UInt8]) {
    let file = fopen(path, "wb")!
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}

/// Writes interleaved samples little-endian, as Open Ephys, SpikeGLX and Intan do.
func writeSamples(_ path: String, _ samples: [Int16]) {
    writeFile(path, samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] })
}

/// Seeded samples covering the whole Int16 range, extremes included.
func recording(frames: Int, channels: Int, seed: UInt64) -> [Int16] {
    var state = seed | 1
    var samples = (0..<(frames * channels)).map { _ -> Int16 in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int16(truncatingIfNeeded: state)
    }
    samples[0] = .min
    samples[1] = .max
    return samples
}

@Suite("Headless int16 replay")
struct HeadlessReplayTests {
    @Test("conforms to Source and gives back the file's samples bit for bit")
    func bitForBit() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let path = directory + "/continuous.dat"
        let samples = recording(frames: 4321, channels: 7, seed: 42)
        writeSamples(path, samples)
        let settings = ReplaySettings(path: path, channelCount: 7, sampleRateHz: 30000, microvoltsPerBit: 0.195)
        let replayed = try checkSourceConformance(frames: 10_000) { try RecordingReplaySource(settings: settings, pacing: .asFastAsPossible) }
        #expect(replayed == samples, "every sample, in order, and nothing after the end")
        let source = try RecordingReplaySource(settings: settings, pacing: .asFastAsPossible)
        #expect(source.recording.frameCount == 4321)
        #expect(source.format.calibration.microvoltsPerCount.allSatisfy { abs($0 - 0.195) < 1e-12 })
        #expect(source.format.sampleRateHz == 30000)
        #expect(source.framesPerBlock == 300)
        #expect(source.montage.channels.map(\.name) == ["ch000", "ch001", "ch002", "ch003", "ch004", "ch005", "ch006"])
        #expect(source.montage.channels.allSatisfy { $0.kind == .micro })
        #expect(source.provenance["file"] == path)
    }

    @Test("looping starts the file again while the sample clock keeps counting")
    func looping() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let path = directory + "/rec.bin"
        let samples = recording(frames: 1000, channels: 3, seed: 7)
        writeSamples(path, samples)
        let source = try RecordingReplaySource(
            settings: ReplaySettings(path: path, channelCount: 3, sampleRateHz: 1000, microvoltsPerBit: 2.34, loop: true), framesPerBlock: 300,
            pacing: .asFastAsPossible)
        let replayed = try readAll(source, frames: 2500, bufferFrames: 300)
        #expect(replayed.count == 2500 * 3)
        #expect(Array(replayed[0..<3000]) == samples)
        #expect(Array(replayed[3000..<6000]) == samples)
        #expect(Array(replayed[6000..<7500]) == Array(samples[0..<1500]))
    }

    @Test("a montage names the channels; a wrong-sized one is refused")
    func montage() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let path = directory + "/rec.dat"
        writeSamples(path, recording(frames: 10, channels: 3, seed: 1))
        let settings = ReplaySettings(path: path, channelCount: 3, sampleRateHz: 1000, microvoltsPerBit: 1)
        let three = Montage(
            channels: ["A1", "A2", "A3"].enumerated().map { MontageChannel(name: $1, kind: .seeg, group: "A", region: "left amygdala", hardwareChannel: $0) },
            groups: [ElectrodeGroup(name: "A", description: "", region: "left amygdala")])
        #expect(try RecordingReplaySource(settings: settings, montage: three).montage == three)
        var two = three
        two.channels.removeLast()
        #expect { try RecordingReplaySource(settings: settings, montage: two) } throws: { ($0 as? ReplayError)?.code == .montageMismatch }
    }

    @Test("clear errors: missing file, empty file, size not a whole number of frames, missing parameters")
    func errors() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        func code(_ settings: ReplaySettings) -> ReplayError? {
            do {
                _ = try RecordingReplaySource(settings: settings)
                return nil
            } catch { return error }
        }
        let missing = code(ReplaySettings(path: directory + "/nope.dat", channelCount: 4, sampleRateHz: 1000, microvoltsPerBit: 1))
        #expect(missing?.code == .fileMissing)
        #expect(missing?.description.contains(directory + "/nope.dat") == true)

        writeFile(directory + "/empty.dat", [])
        #expect(code(ReplaySettings(path: directory + "/empty.dat", channelCount: 4, sampleRateHz: 1000, microvoltsPerBit: 1))?.code == .empty)

        writeSamples(directory + "/odd.dat", recording(frames: 10, channels: 3, seed: 3))  // 60 bytes
        let partial = code(ReplaySettings(path: directory + "/odd.dat", channelCount: 4, sampleRateHz: 1000, microvoltsPerBit: 1))
        #expect(partial?.code == .partialFrame)
        #expect(partial?.message.contains("60 bytes") == true)
        #expect(partial?.fix.contains("channels") == true)

        #expect(code(ReplaySettings(path: directory + "/odd.dat", channelCount: 3, sampleRateHz: nil, microvoltsPerBit: 1))?.code == .badParameters)
        #expect(code(ReplaySettings(path: directory + "/odd.dat", channelCount: nil, sampleRateHz: 1000, microvoltsPerBit: 1))?.code == .badParameters)
    }

    @Test("real-time pacing holds the file to its rate")
    func pacing() throws {
        let directoryFolder = try TemporaryFolder("replay")
        let directory = directoryFolder.path
        let path = directory + "/rec.dat"
        writeSamples(path, recording(frames: 2000, channels: 2, seed: 5))
        let source = try RecordingReplaySource(settings: ReplaySettings(path: path, channelCount: 2, sampleRateHz: 10_000, microvoltsPerBit: 1))
        let clock = ContinuousClock()
        let started = clock.now
        _ = try readAll(source, frames: 2000, bufferFrames: 100)
        let elapsed = clock.now - started
        #expect(elapsed >= .milliseconds(195) && elapsed < .seconds(3), "\(elapsed)")
    }
}
