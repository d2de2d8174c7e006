import KetaMapCore
import Testing

@testable import KetaMapAcquisition
import KetaMapConfiguration

@Suite("Comedi acquisition plan (fake driver)")
struct ComediPlanTests {
    private func plan(
        _ driver: FakeComediDriver, _ settings: ComediSettings = ComediSettings(), channels: [Int] = [0, 1, 2, 3],
        rate: Double = 5000
    ) throws -> ComediAcquisitionPlan {
        try ComediAcquisitionPlan.make(driver: driver, settings: settings, hardwareChannels: channels, requestedRateHz: rate)
    }

    @Test func buildsAContinuousTimedCommandFromTheMontageChannels() throws {
        let driver = FakeComediDriver.comediTestLike()
        let p = try plan(driver, ComediSettings(rangeVolts: 5), channels: [3, 0, 7], rate: 5000)
        #expect(driver.calls.first(where: { $0.hasPrefix("comedi_get_cmd_generic_timed") })
            == "comedi_get_cmd_generic_timed(0, 3, 200000)")
        #expect(p.command.stop == ComediTrigger(.none, 0))
        #expect(p.command.scanEnd == ComediTrigger(.count, 3))
        #expect(p.command.channels == [3, 0, 7].map { ComediChannelSpec(channel: $0, range: 1, reference: .ground) })
        // 200000 / 3 = 66666 ns is rounded by command_test to 67000 ns: the rate read back is 1e9 / (3 × 67000).
        #expect(p.command.convert == ComediTrigger(.timer, 67000))
        #expect(abs(p.rateHz - 1e9 / 201_000) < 1e-9)
        #expect(driver.calls.filter { $0 == "comedi_command_test" }.count == 2)
    }

    @Test func theRateComesFromTheScanTimerOrFromConversionsBackToBack() {
        let channels = (0..<4).map { ComediChannelSpec(channel: $0, range: 0, reference: .ground) }
        var command = ComediCommand(
            subdevice: 0, start: ComediTrigger(.now), scanBegin: ComediTrigger(.timer, 200_000),
            convert: ComediTrigger(.timer, 1000), scanEnd: ComediTrigger(.count, 4), stop: ComediTrigger(.none),
            channels: channels)
        #expect(command.scanRateHz == 5000)  // scans every 200 µs, conversions 1 µs apart within a scan
        command.scanBegin = ComediTrigger(.follow)
        command.convert = ComediTrigger(.timer, 50_000)
        #expect(command.scanRateHz == 5000)  // 4 conversions of 50 µs back to back
        command.convert = ComediTrigger(.external, 0)
        #expect(command.scanRateHz == nil)  // paced from outside: unknown
        #expect(ComediTriggerSource([.follow, .timer]).description == "FOLLOW|TIMER")
    }

    @Test func refusesARateTheCardCannotGiveWithinTolerance() throws {
        let driver = FakeComediDriver.comediTestLike()
        // 8 channels at 10 kHz: 12500 ns per conversion becomes 13000 ns → 9615.4 Hz, 3.8 % off.
        let error = #expect(throws: ComediError.self) {
            try plan(driver, ComediSettings(rateTolerancePercent: 1), channels: Array(0..<8), rate: 10000)
        }
        #expect(error?.code == .rateRefused)
        #expect(error?.description.contains("9615.385 Hz") == true)
        #expect(error?.remedy.contains("rate_tolerance_percent") == true)
        let accepted = try plan(FakeComediDriver.comediTestLike(), ComediSettings(rateTolerancePercent: 5), channels: Array(0..<8), rate: 10000)
        #expect(abs(accepted.rateHz - 1e9 / 104_000) < 1e-9)
    }

    @Test func choosesTheNarrowestRangeCoveringTheWantedSpan() throws {
        let ranges = [
            ComediRange(min: -10, max: 10), ComediRange(min: -5, max: 5), ComediRange(min: -1, max: 1),
            ComediRange(min: 0, max: 10), ComediRange(min: -0.5, max: 0.5, unit: .milliamperes),
        ]
        func choose(_ volts: Double, index: Int? = nil) throws -> (Int, String?) {
            let r = try ComediAcquisitionPlan.chooseRange(ranges, rangeIndex: index, rangeVolts: volts, device: "d", subdevice: 0, channel: 0)
            return (r.index, r.warning)
        }
        #expect(try choose(5).0 == 1)
        #expect(try choose(0.5).0 == 2)
        #expect(try choose(10).0 == 0)
        let (widest, warning) = try choose(20)
        #expect(widest == 0)
        #expect(warning?.contains("±20 V") == true)
        #expect(try choose(5, index: 3).0 == 3)
        let error = #expect(throws: ComediError.self) { try choose(5, index: 7) }
        #expect(error?.code == .rangeUnavailable)
        #expect(error?.message.contains("3: [0, 10] V") == true)
    }

    @Test func mapsTheReferenceAndRefusesOneTheSubdeviceLacks() throws {
        let driver = FakeComediDriver.comediTestLike(flags: [.readable, .commandRead, .ground, .common])
        let p = try plan(driver, ComediSettings(reference: .common))
        #expect(p.command.channels.allSatisfy { $0.reference == .common })
        let error = #expect(throws: ComediError.self) {
            try plan(FakeComediDriver.comediTestLike(), ComediSettings(reference: .differential))
        }
        #expect(error?.code == .referenceUnsupported)
        #expect(error?.remedy.contains("ground") == true)
    }

    @Test func findsTheStreamingAnalogInputOrRefusesTheConfiguredOne() throws {
        let driver = FakeComediDriver(
            subdevices: [
                .init(kind: .digitalIO, flags: [.readable, .writable], channels: 24, maxdata: 1, ranges: [ComediRange(min: 0, max: 5)]),
                .init(kind: .analogInput, flags: [.readable, .ground], channels: 16, maxdata: 4095, ranges: [ComediRange(min: -10, max: 10)]),
                .init(kind: .analogInput, flags: [.readable, .commandRead, .ground], channels: 16, maxdata: 65535, ranges: [ComediRange(min: -10, max: 10)]),
            ], readSubdevice: nil)
        #expect(try ComediAcquisitionPlan.chooseSubdevice(driver: driver, configured: nil) == 2)
        let notStreaming = #expect(throws: ComediError.self) { try ComediAcquisitionPlan.chooseSubdevice(driver: driver, configured: 1) }
        #expect(notStreaming?.code == .noStreamingInput)
        #expect(notStreaming?.message.contains("does not stream") == true)
        let missing = #expect(throws: ComediError.self) { try ComediAcquisitionPlan.chooseSubdevice(driver: driver, configured: 5) }
        #expect(missing?.message.contains("does not exist") == true)
    }

    @Test func refusesChannelsOffTheCardAndSamplesWiderThan16Bits() throws {
        let offCard = #expect(throws: ComediError.self) { try plan(FakeComediDriver.comediTestLike(), channels: [0, 8]) }
        #expect(offCard?.code == .channelOutOfRange)
        #expect(offCard?.message.contains("channels 0–7") == true)
        let wide = #expect(throws: ComediError.self) {
            try plan(FakeComediDriver.comediTestLike(maxdata: 262_143, flags: [.readable, .commandRead, .ground, .longSamples]))
        }
        #expect(wide?.code == .sampleWidthUnsupported)
    }

    @Test func refusesAChannelListTheCardCannotScan() throws {
        let error = #expect(throws: ComediError.self) { try plan(FakeComediDriver.comediTestLike(), channels: Array(repeating: 0, count: 17)) }
        #expect(error?.code == .commandRefused)
        #expect(error?.message.contains("stage 5") == true)
    }

    @Test func sizesTheKernelBufferAndWarnsWhenTheMaximumCannotBeRaised() throws {
        let driver = FakeComediDriver.comediTestLike()
        let small = try plan(driver, ComediSettings(bufferSeconds: 2), channels: [0, 1, 2, 3], rate: 1000)
        #expect(driver.calls.contains("comedi_set_buffer_size(0, 16000)"))
        #expect(small.bufferBytes == 16384)
        #expect(small.warnings.isEmpty)

        let raising = FakeComediDriver.comediTestLike()
        raising.subdevices[0].maxBufferBytes = 2 << 20
        let big = try plan(raising, ComediSettings(bufferSeconds: 10), channels: Array(0..<8), rate: 25000)
        #expect(raising.calls.contains("comedi_set_max_buffer_size(0, 4000000)"))
        #expect(big.bufferBytes == 4_001_792)

        let refused = FakeComediDriver.comediTestLike()
        refused.subdevices[0].maxBufferBytes = 1 << 20
        refused.allowRaisingMaxBuffer = false
        let capped = try plan(refused, ComediSettings(bufferSeconds: 10), channels: Array(0..<8), rate: 25000)
        #expect(capped.bufferBytes == 1 << 20)
        #expect(capped.warnings.count == 1)
        #expect(capped.warnings[0].contains("max_read_buffer_kb"))
    }
}
