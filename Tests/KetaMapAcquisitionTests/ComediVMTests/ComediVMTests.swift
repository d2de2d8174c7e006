// Against the kernel's real comedi_test driver: these run only inside the
// Comedi VM (`scripts/comedi-vm-test.sh`, which sets COMEDI_VM=1 and
// COMEDI_DEVICE=/dev/comedi0) and are skipped elsewhere.
//
// comedi_test (Linux 6.1): subdevice 0 is an 8-channel 16-bit analog input with
// ranges ±10 V and ±5 V; channel 0 is a sawtooth from −A to +A over the period,
// channel 1 a square wave (−A for the first half, +A for the second), channels
// 2–7 are 0 V. The VM script loads it with A = 1 V and a period of 0.1 s.
import Glibc
import KetaMapCore
import Testing

@testable import KetaMapAcquisition
import KetaMapConfiguration

private let inVM = getenv("COMEDI_VM") != nil
private let devicePath = getenv("COMEDI_DEVICE").map { String(cString: $0) } ?? "/dev/comedi0"
/// The waveform comedi_test was loaded with (`run-in-comedi-vm --amplitude/--period`).
private let amplitudeVolts = (getenv("COMEDI_VM_AMPLITUDE_UV").flatMap { Double(String(cString: $0)) } ?? 1_000_000) / 1e6
/// The VM shares a loaded host's CPUs under emulation: allow long scheduling pauses
/// (the stall test sets its own short timeout).
private let vmReadTimeoutMilliseconds = 10_000
private let periodSeconds = (getenv("COMEDI_VM_PERIOD_US").flatMap { Double(String(cString: $0)) } ?? 100_000) / 1e6

/// What one recording gave: every frame in order (re-centred Int16), the gaps, and timings.
private struct Recording {
    var samples: [Int16] = []
    var gaps: [AcquisitionGap] = []
    /// Frames that arrived after the first block, and the monotonic seconds they took.
    var framesAfterFirstBlock: UInt64 = 0
    var secondsAfterFirstBlock = 0.0
    /// Where the card's sample clock was (frames delivered + frames waiting in the kernel
    /// buffer, `comedi_get_buffer_contents`) at the first block and at the end, and when:
    /// free of the reader's own latency.
    var cardFramesAfterFirstBlock: UInt64 = 0
    var cardSecondsAfterFirstBlock = 0.0
    /// Contiguity: each block's first sample as expected.
    var contiguous = true
    var nextSample: UInt64 = 0
}

private func now() -> Double { Double(ComediSource.monotonicNanoseconds()) / 1e9 }

/// Reads blocks until `seconds` have passed since the first block; `pauseAfterFirst`
/// stops reading that long after the first block (to force an overrun).
private func record(
    _ source: ComediSource, seconds: Double, pauseAfterFirst: Double = 0, driver: ComediLibraryDriver? = nil
) throws -> Recording {
    let channels = source.format.channelCount
    var buffer = [Int16](repeating: 0, count: channels * 1024)
    var result = Recording()
    var firstBlockTime: Double?
    var firstCardPosition: (frames: UInt64, time: Double)?
    func cardPosition(_ delivered: UInt64) throws -> (frames: UInt64, time: Double)? {
        guard let driver else { return nil }
        let waiting = try driver.bufferContents(source.plan.subdevice)
        return (delivered + UInt64(waiting / source.plan.bytesPerFrame), now())
    }
    while true {
        let read = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        switch read {
        case .frames(let first, let count):
            if first != result.nextSample { result.contiguous = false }
            result.nextSample = first + UInt64(count)
            result.samples += buffer[0..<(count * channels)]
            if let start = firstBlockTime {
                result.framesAfterFirstBlock += UInt64(count)
                result.secondsAfterFirstBlock = now() - start
                if result.secondsAfterFirstBlock >= seconds {
                    if let first = firstCardPosition, let last = try cardPosition(result.nextSample) {
                        result.cardFramesAfterFirstBlock = last.frames - first.frames
                        result.cardSecondsAfterFirstBlock = last.time - first.time
                    }
                    return result
                }
            } else {
                firstBlockTime = now()
                firstCardPosition = try cardPosition(result.nextSample)
                if pauseAfterFirst > 0 { usleep(UInt32(pauseAfterFirst * 1e6)) }
            }
        case .gap(let gap):
            if gap.firstSample != result.nextSample { result.contiguous = false }
            result.gaps.append(gap)
            result.nextSample = gap.endSample
            // Zeros in the data for the lost range, as the file stores them.
            result.samples += [Int16](repeating: 0, count: Int(gap.sampleCount) * channels)
        case .end:
            return result
        }
    }
}

/// Channel `channel` of every frame, in volts.
private func volts(
    _ recording: Recording, _ format: SampleFormat, channel: Int, from startFrame: Int = 0, to endFrame: Int? = nil
) -> [Double] {
    let c = format.calibration
    let n = format.channelCount
    let end = endFrame.map { $0 * n } ?? recording.samples.count
    return stride(from: startFrame * n + channel, to: end, by: n).map {
        c.offsetVolts + Double(recording.samples[$0]) * c.voltsPerCount * c.channelGains[channel]
    }
}

/// Indices where `values` jumps by more than `threshold` in the given direction.
private func edges(_ values: [Double], rising: Bool, threshold: Double) -> [Int] {
    (1..<values.count).filter { rising ? values[$0] - values[$0 - 1] > threshold : values[$0 - 1] - values[$0] > threshold }
}

private func meanSpacing(_ indices: [Int]) -> Double {
    Double(indices.last! - indices.first!) / Double(indices.count - 1)
}

private func eightChannelMontage() -> [Int] { Array(0..<8) }

@Suite("Comedi VM: comedi_test through the real ComediSource", .serialized, .enabled(if: inVM, "needs /dev/comedi0: run scripts/comedi-vm-test.sh"))
struct ComediVMTests {
    @Test func recordsTheSawtoothSquareWaveAndFlatChannelsAtTheRateTheCardReports() throws {
        let settings = ComediSettings(device: devicePath, rangeVolts: 10, bufferSeconds: 2, readTimeoutMilliseconds: vmReadTimeoutMilliseconds)
        let driver = try ComediLibraryDriver(path: devicePath)
        let source = try ComediSource(
            driver: driver, settings: settings, hardwareChannels: eightChannelMontage(), sampleRateHz: 5000)
        defer { source.stop() }
        // 8 channels at 5 kHz: conversions every 25 µs, which comedi_test's whole-µs timer gives exactly.
        #expect(source.plan.command.scanBegin.source == .follow)
        #expect(source.plan.command.convert == ComediTrigger(.timer, 25_000))
        #expect(source.format.sampleRateHz == 5000)
        #expect(source.plan.ranges.allSatisfy { $0 == ComediRange(min: -10, max: 10) })
        #expect(source.provenance["comedi.driver"] == "comedi_test")
        #expect(source.provenance["comedi.calibration_source"] == "hardcal")
        #expect(abs(source.format.calibration.voltsPerCount - 20.0 / 65535) < 1e-15)
        #expect(source.warnings.isEmpty, "\(source.warnings)")

        try source.start()
        let seconds = 3.0
        let recording = try record(source, seconds: seconds, driver: driver)
        let rate = source.format.sampleRateHz
        #expect(recording.gaps.isEmpty)
        #expect(recording.contiguous)

        // Sample count for the time it took, at the card's rate: what the reader got, and where
        // the card's sample clock was (kernel timer bursts of 4 ms, so within 1 % over 3 s).
        let expectedFrames = recording.secondsAfterFirstBlock * rate
        let countError = abs(Double(recording.framesAfterFirstBlock) - expectedFrames) / expectedFrames
        let cardExpected = recording.cardSecondsAfterFirstBlock * rate
        let cardError = abs(Double(recording.cardFramesAfterFirstBlock) - cardExpected) / cardExpected
        print("comedi-vm: read \(recording.framesAfterFirstBlock) frames in \(recording.secondsAfterFirstBlock) s at \(rate) Hz (\(countError * 100) % off); card clock \(recording.cardFramesAfterFirstBlock) frames in \(recording.cardSecondsAfterFirstBlock) s (\(cardError * 100) % off)")
        #expect(cardError < 0.01, "the card produced \(recording.cardFramesAfterFirstBlock) frames in \(recording.cardSecondsAfterFirstBlock) s at \(rate) Hz")
        #expect(countError < 0.03, "read \(recording.framesAfterFirstBlock) frames in \(recording.secondsAfterFirstBlock) s at \(rate) Hz")

        // Channel 0: sawtooth from −A to +A; its period from the falling wraps.
        let saw = volts(recording, source.format, channel: 0)
        let wraps = edges(saw, rising: false, threshold: amplitudeVolts)
        #expect(wraps.count >= Int(seconds / periodSeconds) - 1)
        let sawPeriod = meanSpacing(wraps) / rate
        print("comedi-vm: sawtooth period \(sawPeriod) s, range [\(saw.min()!), \(saw.max()!)] V")
        #expect(abs(sawPeriod - periodSeconds) / periodSeconds < 0.01)
        #expect(abs(saw.max()! - amplitudeVolts) / amplitudeVolts < 0.01)
        #expect(abs(saw.min()! + amplitudeVolts) / amplitudeVolts < 0.01)

        // Channel 1: square wave at ±A, half the time each, same period.
        let square = volts(recording, source.format, channel: 1)
        #expect(square.allSatisfy { abs(abs($0) - amplitudeVolts) / amplitudeVolts < 0.01 })
        let rises = edges(square, rising: true, threshold: amplitudeVolts)
        // Duty cycle over whole periods (first to last rising edge).
        let whole = square[rises.first!..<rises.last!]
        let high = Double(whole.filter { $0 > 0 }.count) / Double(whole.count)
        #expect(abs(high - 0.5) < 0.01)
        let squarePeriod = meanSpacing(rises) / rate
        print("comedi-vm: square wave period \(squarePeriod) s, high \(high * 100) % of the time")
        #expect(abs(squarePeriod - periodSeconds) / periodSeconds < 0.01)

        // Channels 2–7: 0 V (comedi_test gives count 32767, −0.15 mV on ±10 V).
        for channel in 2..<8 {
            let flat = volts(recording, source.format, channel: channel)
            #expect(flat.allSatisfy { abs($0) < 0.001 }, "channel \(channel)")
        }
    }

    @Test func anOverrunIsReportedAsAGapAndRecordingResumes() throws {
        // A 0.1 s kernel buffer (8 channels × 5 kHz × 2 bytes = 80 kB/s → 8 KiB), and a reader
        // that sleeps 1 s after its first block: the driver stops, read() fails with EPIPE.
        let settings = ComediSettings(device: devicePath, rangeVolts: 10, bufferSeconds: 0.1, readTimeoutMilliseconds: vmReadTimeoutMilliseconds)
        let source = try ComediSource(
            driver: try ComediLibraryDriver(path: devicePath), settings: settings, hardwareChannels: eightChannelMontage(),
            sampleRateHz: 5000)
        defer { source.stop() }
        #expect(source.plan.bufferBytes <= 16384)
        try source.start()
        let pause = 1.0
        let recording = try record(source, seconds: pause + 1.0, pauseAfterFirst: pause)
        let rate = source.format.sampleRateHz
        #expect(recording.contiguous)
        // One overrun from the pause (a starved VM may add more with so small a buffer).
        #expect(recording.gaps.count >= 1)
        #expect(source.overrunCount == recording.gaps.count)
        guard let gap = recording.gaps.first else { return }
        print("comedi-vm: overrun gap at sample \(gap.firstSample), \(gap.sampleCount) frames (\(Double(gap.sampleCount) / rate) s)")
        #expect(gap.cause == .deviceOverrun)
        #expect(!gap.isExact)
        // Lost: roughly the pause minus what the buffer held.
        let bufferedSeconds = Double(source.plan.bufferBytes) / Double(source.plan.bytesPerFrame) / rate
        let lostSeconds = Double(gap.sampleCount) / rate
        #expect(lostSeconds > (pause - bufferedSeconds) * 0.5 && lostSeconds < pause * 1.5)
        // Recording resumed: at least 0.9 s of sample clock after the gap, and the waveform is
        // intact up to the next gap (if a starved VM overran again) or the end.
        let framesAfter = Int(recording.nextSample - gap.endSample)
        #expect(Double(framesAfter) > 0.9 * rate)
        let segmentEnd = Int(recording.gaps.dropFirst().first?.firstSample ?? recording.nextSample)
        #expect(segmentEnd - Int(gap.endSample) > Int(0.1 * rate))
        let sawAfter = volts(recording, source.format, channel: 0, from: Int(gap.endSample), to: segmentEnd)
        #expect(abs(sawAfter.max()! - amplitudeVolts) / amplitudeVolts < 0.01)
        #expect(abs(sawAfter.min()! + amplitudeVolts) / amplitudeVolts < 0.01)
        let squareAfter = volts(recording, source.format, channel: 1, from: Int(gap.endSample), to: segmentEnd)
        #expect(squareAfter.allSatisfy { abs(abs($0) - amplitudeVolts) / amplitudeVolts < 0.01 })
    }

    @Test func refusesARateTheTimerCannotGiveAndRaisesTheBufferMaximumAsRoot() throws {
        // 8 channels at 10 kHz: 12.5 µs conversions become 13 µs on comedi_test's timer → 9615 Hz.
        let refused = #expect(throws: ComediError.self) {
            try ComediSource(
                driver: try ComediLibraryDriver(path: devicePath), settings: ComediSettings(device: devicePath),
                hardwareChannels: eightChannelMontage(), sampleRateHz: 10000)
        }
        #expect(refused?.code == .rateRefused)
        #expect(refused?.message.contains("9615.385 Hz") == true)

        // 300 s of 80 kB/s = 24 MB, above the 20 MiB default maximum: root may raise it.
        let driver = try ComediLibraryDriver(path: devicePath)
        let before = try driver.maxBufferSize(0)
        let source = try ComediSource(
            driver: driver, settings: ComediSettings(device: devicePath, bufferSeconds: 300),
            hardwareChannels: eightChannelMontage(), sampleRateHz: 5000)
        #expect(before == 20 << 20)
        #expect(source.plan.bufferBytes >= 24_000_000)
        #expect(try driver.bufferSize(0) == source.plan.bufferBytes)
        #expect(source.warnings.isEmpty)
        // Leave the board as the other tests expect it.
        try driver.setMaxBufferSize(0, bytes: before)
        _ = try driver.setBufferSize(0, bytes: 2 << 20)
    }

    @Test func aStreamThatStopsDeliveringEndsWithAStallError() throws {
        // One scan per second and a 200 ms read timeout: the reader waits in vain.
        let source = try ComediSource(
            driver: try ComediLibraryDriver(path: devicePath),
            settings: ComediSettings(device: devicePath, readTimeoutMilliseconds: 200), hardwareChannels: [0],
            sampleRateHz: 1)
        defer { source.stop() }
        #expect(source.format.sampleRateHz == 1)
        try source.start()
        var buffer = [Int16](repeating: 0, count: 64)
        let started = now()
        let error = #expect(throws: ComediError.self) {
            for _ in 0..<3 { _ = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) } }
        }
        #expect(error?.code == .stalled)
        #expect(error?.message.contains("no samples for 200 ms") == true)
        #expect(now() - started < 1.5)
    }

    @Test func listsTheBoardItsSubdevicesRangesAndBuffers() throws {
        let entries = ComediDeviceListing.list()
        let devices = entries.compactMap { try? $0.get() }
        let device = try #require(devices.first { $0.path == devicePath })
        #expect(device.driverName == "comedi_test")
        #expect(device.boardName == "comedi_test")
        #expect(device.readSubdevice == 0)
        let ai = try #require(device.subdevices.first)
        #expect(ai.kind == .analogInput)
        #expect(ai.channelCount == 8)
        #expect(ai.maxdata == 65535)
        #expect(ai.ranges == [ComediRange(min: -10, max: 10), ComediRange(min: -5, max: 5)])
        #expect(ai.streamsInput)
        #expect((ai.bufferBytes ?? 0) > 0 && (ai.maxBufferBytes ?? 0) >= (ai.bufferBytes ?? 0))
        #expect(device.subdevices.count > 1 && device.subdevices[1].kind == .analogOutput)
        let text = ComediDeviceListing.plainText(entries)
        print(text)
        #expect(text.contains("\(devicePath): board comedi_test, driver comedi_test, input streams from subdevice 0"))
        #expect(text.contains("subdevice 0: analog input, 8 channels, maxdata 65535 (16-bit), streams input, buffer "))
        #expect(text.contains("ranges: 0: [-10, 10] V, 1: [-5, 5] V"))
        #expect(text.contains("subdevice 1: analog output"))
    }

    @Test func usesTheBoardsSoftCalibrationFileWhenThereIsOne() throws {
        // comedilib's default path for this board; a polynomial as comedi_soft_calibrate writes it.
        let directory = "/var/lib/comedi/calibrations"
        let file = "\(directory)/comedi_test_comedi_test_\(devicePath.split(separator: "/").last!)"
        mkdir("/var/lib/comedi", 0o755)
        mkdir(directory, 0o755)
        let text = """
            { driver_name => "comedi_test", board_name => "comedi_test", calibrations => [ \
            { subdevice => 0, channels => [], ranges => [0], arefs => [], caldacs => [], \
            softcal_to_phys => { expansion_origin => 32767.5, coefficients => [0.01, 0.0003, 0.0] } } ] }

            """
        let handle = try #require(fopen(file, "w"))
        fputs(text, handle)
        fclose(handle)
        defer { unlink(file) }
        let montage = Montage(
            channels: (0..<2).map {
                MontageChannel(name: "LA\($0 + 1)", kind: .seeg, group: "LA", region: "amygdala", hardwareChannel: $0)
            },
            groups: [ElectrodeGroup(name: "LA", description: "left amygdala shaft", region: "amygdala")])
        let source = try ComediSource(
            settings: ComediSettings(device: devicePath, rangeVolts: 10), montage: montage, sampleRateHz: 1000)
        #expect(source.provenance["comedi.calibration_source"] == "softcal")
        #expect(source.provenance["comedi.calibration_file"] == file)
        let c = source.format.calibration
        #expect(abs(c.voltsPerCount - 0.0003) < 1e-15)
        // volts at count 32768 (stored 0) = 0.01 + 0.0003 × 0.5.
        #expect(abs(c.offsetVolts - (0.01 + 0.0003 * 0.5)) < 1e-12)
    }
}
