import KetaMapCore
import SystemPackage
import KetaMapTestSupport
import Testing

@testable import KetaMapAcquisition
import KetaMapConfiguration

@Suite("ComediSource streaming and faults (fake driver)")
struct ComediSourceTests {
    private func makeSource(
        _ driver: FakeComediDriver, channels: [Int] = [0, 1], rate: Double = 1000,
        settings: ComediSettings = ComediSettings()
    ) throws -> ComediSource {
        try ComediSource(
            driver: driver, settings: settings, hardwareChannels: channels, sampleRateHz: rate,
            monotonicNanoseconds: { [driver] in driver.clock() })
    }

    @Test("ComediSource passes the Source conformance suite")
    func conformance() throws {
        try checkSourceConformance(frames: 3000) {
            let driver = FakeComediDriver.comediTestLike()
            driver.script = Array(repeating: .frames(250), count: 12) + [.endOfStream]
            return try makeSource(driver, channels: [0, 1, 2])
        }
    }

    @Test func deliversContiguousReCentredFramesAcrossPartialReads() throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver, channels: [0, 1, 2])
        #expect(source.format.channelCount == 3)
        #expect(source.format.sampleRateHz == 1e9 / 999_000)  // 3 × 333 µs conversions
        #expect(source.provenance["comedi.driver"] == "fake_driver")
        #expect(source.provenance["comedi.channels"] == "0,1,2")
        #expect(source.provenance["comedi.calibration_source"] == "hardcal")
        try source.start()
        #expect(driver.started.count == 1)
        #expect(driver.started[0].stop.source == .none)
        // 3 bytes (no whole frame), then 13 bytes: 16 bytes = 2 frames of 6 bytes + 4 left over.
        driver.script = [.bytes(3), .bytes(13), .frames(5)]
        var buffer = [Int16](repeating: 0, count: 3 * 64)
        var frames: [Int16] = []
        var next: UInt64 = 0
        for expectedCount in [2, 5] {
            let result = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
            guard case .frames(let first, let count) = result else {
                Issue.record("expected frames, got \(result)")
                return
            }
            #expect(first == next)
            #expect(count == expectedCount)
            next += UInt64(count)
            frames += buffer[0..<(count * 3)]
        }
        // 2 + 5 frames = 42 bytes; the last read took 4 left-over + 30 new bytes... all whole frames.
        #expect(frames.count == 21)
        for (i, value) in frames.enumerated() {
            let raw = FakeComediDriver.count(frame: i / 3, channel: i % 3, maxdata: 65535)
            #expect(value == Int16(Int32(raw) - 32768))
        }
    }

    @Test func readsThirtyTwoBitSamples() throws {
        let driver = FakeComediDriver.comediTestLike(flags: [.readable, .commandRead, .ground, .longSamples])
        let source = try makeSource(driver)
        #expect(source.plan.bytesPerSample == 4)
        try source.start()
        driver.script = [.frames(10)]
        var buffer = [Int16](repeating: 0, count: 100)
        let result = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        #expect(result == .frames(firstSample: 0, frameCount: 10))
        for i in 0..<20 {
            #expect(buffer[i] == Int16(Int32(FakeComediDriver.count(frame: i / 2, channel: i % 2, maxdata: 65535)) - 32768))
        }
    }

    @Test func anOverrunIsAGapEstimatedFromTheClockAndTheCommandRestarts() throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver, rate: 1000)
        try source.start()
        // 100 frames read while 50 more wait in the kernel buffer (2 channels × 2 bytes = 4 bytes/frame);
        // then the reader is away for 0.5 s, the buffer overflows, read fails with EPIPE.
        driver.script = [.bufferContents(200), .frames(100), .advanceClock(500_000_000), .fail(.brokenPipe), .frames(7)]
        var buffer = [Int16](repeating: 0, count: 1000)
        let first = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        #expect(first == .frames(firstSample: 0, frameCount: 100))
        let gap = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        // The card's clock was at 100 + 50 when the anchor was taken; 0.5 s later it is at 650.
        #expect(gap == .gap(AcquisitionGap(firstSample: 100, sampleCount: 550, cause: .deviceOverrun, isExact: false)))
        #expect(driver.calls.suffix(3) == ["read", "comedi_cancel(0)", "comedi_command"])
        #expect(driver.started.count == 2)
        #expect(driver.started[1] == driver.started[0])
        #expect(source.overrunCount == 1)
        let after = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        #expect(after == .frames(firstSample: 650, frameCount: 7))
    }

    @Test func anImmediateOverrunStillReportsAtLeastOneLostFrame() throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver)
        try source.start()
        driver.script = [.frames(10), .fail(.brokenPipe), .frames(1)]
        var buffer = [Int16](repeating: 0, count: 100)
        _ = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        let gap = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        #expect(gap == .gap(AcquisitionGap(firstSample: 10, sampleCount: 1, cause: .deviceOverrun, isExact: false)))
        #expect(try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) } == .frames(firstSample: 11, frameCount: 1))
    }

    @Test func anOverrunSeenAsEINVALOnAStoppedSubdeviceIsAlsoAGap() throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver)
        try source.start()
        driver.script = [.frames(10), .advanceClock(100_000_000), .stoppedSilently, .frames(2)]
        var buffer = [Int16](repeating: 0, count: 100)
        _ = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        let gap = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        // The card's clock was at 10 when the reader last saw it; 0.1 s at 1 kHz later it is at 110.
        #expect(gap == .gap(AcquisitionGap(firstSample: 10, sampleCount: 100, cause: .deviceOverrun, isExact: false)))
        #expect(try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) } == .frames(firstSample: 110, frameCount: 2))
    }

    @Test func EINVALWhileTheCommandRunsIsAnError() throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver)
        try source.start()
        driver.script = [.fail(.invalidArgument)]
        var buffer = [Int16](repeating: 0, count: 100)
        let error = #expect(throws: ComediError.self) { try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) } }
        #expect(error?.code == .readFailed)
    }

    @Test func aStalledStreamEndsTheSessionWithAClearError() throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver, settings: ComediSettings(readTimeoutMilliseconds: 250))
        try source.start()
        driver.script = [.frames(3), .stall]
        var buffer = [Int16](repeating: 0, count: 100)
        _ = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        let error = #expect(throws: ComediError.self) { try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) } }
        #expect(error?.code == .stalled)
        #expect(error?.message.contains("no samples for 250 ms after sample 3") == true)
        #expect(error?.remedy.contains("read_timeout_ms") == true)
    }

    @Test func aTimeoutWithDataAlreadyInTheKernelBufferIsNotAStall() throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver)
        try source.start()
        driver.script = [.bufferContents(40), .stall, .frames(10)]
        var buffer = [Int16](repeating: 0, count: 100)
        #expect(try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) } == .frames(firstSample: 0, frameCount: 10))
    }

    @Test func aVanishedDeviceOrAFailedRestartThrows() throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver)
        try source.start()
        driver.script = [.fail(.operationNotSupportedByDevice)]
        var buffer = [Int16](repeating: 0, count: 100)
        let vanished = #expect(throws: ComediError.self) { try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) } }
        #expect(vanished?.code == .deviceVanished)
        #expect(vanished?.errorNumber == Errno.operationNotSupportedByDevice.rawValue)
        #expect(vanished?.description.contains("/dev/comedi-fake: read failed") == true)

        let busy = FakeComediDriver.comediTestLike()
        busy.failRestart = true
        let restarting = try makeSource(busy)
        try restarting.start()
        busy.script = [.fail(.brokenPipe)]
        let failed = #expect(throws: ComediError.self) { try buffer.withUnsafeMutableBufferPointer { try restarting.read(into: $0) } }
        #expect(failed?.code == .commandFailed)
        #expect(failed?.message.contains("after a buffer overrun") == true)

        let ending = FakeComediDriver.comediTestLike()
        let ended = try makeSource(ending)
        try ended.start()
        ending.script = [.endOfStream]
        let eof = #expect(throws: ComediError.self) { try buffer.withUnsafeMutableBufferPointer { try ended.read(into: $0) } }
        #expect(eof?.code == .streamEnded)
    }

    /// A board detached (`comedi_config -r`) in the moment after an overrun while the kernel
    /// has released the subdevice, or whose driver is unloaded, is a vanished device: the
    /// two-board VM session ran into each as "read failed: Invalid argument" or a stall.
    @Test(arguments: [
        ([FakeComediDriver.Step.frames(10), .detachedAfterFailing(.invalidArgument)], "comedi_get_subdevice_flags"),
        ([.frames(10), .detachedAfterFailing(.brokenPipe)], "comedi_command"),
        ([.frames(10), .driverUnloaded], "comedi_get_buffer_contents"),
    ])
    func aDetachedBoardIsAVanishedDevice(script: [FakeComediDriver.Step], function: String) throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver)
        try source.start()
        driver.script = script
        var buffer = [Int16](repeating: 0, count: 100)
        _ = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        let error = #expect(throws: ComediError.self) { try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) } }
        #expect(error?.code == .deviceVanished, "\(String(describing: error))")
        #expect(error?.function == function)
        #expect(error?.errorNumber == Errno.operationNotSupportedByDevice.rawValue)
        #expect(error?.message.contains("the device went away after sample 10") == true)
    }

    @Test func stopCancelsOnce() throws {
        let driver = FakeComediDriver.comediTestLike()
        let source = try makeSource(driver)
        try source.start()
        source.stop()
        source.stop()
        #expect(driver.calls.filter { $0.hasPrefix("comedi_cancel") }.count == 1)
    }

    @Test func openingAMissingDeviceSaysWhatToDo() {
        // Real comedilib, no device needed.
        let error = #expect(throws: ComediError.self) { try ComediLibraryDriver(path: "/dev/comedi-does-not-exist") }
        #expect(error?.code == .openFailed)
        #expect(error?.function == "comedi_open")
        #expect(error?.libraryMessage?.isEmpty == false)
        #expect(error?.remedy.contains("ketamapctl devices") == true)
    }
}
