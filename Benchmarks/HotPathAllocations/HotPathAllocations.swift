// HotPathAllocations: heap allocations per block in steady state for the
// hot-path types (target 0). One iteration = one 10 ms block at 30 kHz,
// after warm-up iterations; the `Malloc (total)` row must read 0 at every
// percentile up to p100. See Benchmarks/README.md.
import Benchmark
import KetaMapCore
import KetaMapDSP

/// A processor fed the same seeded 10 ms block over and over with advancing
/// sample indices; its rings are drained as the recorder would.
final class ProcessorLoop: @unchecked Sendable {
    let processor: SignalProcessor
    let block: [Int16]
    var sample: UInt64 = 0
    static let blockFrames = 300

    init(montage: Montage, reference: ProcessingSettings.Reference) {
        let channels = montage.channels.count
        let format = SampleFormat(
            channelCount: channels, sampleRateHz: 30000,
            calibration: Calibration(voltsPerCount: 0.195e-6, channelGains: .init(repeating: 1, count: channels)))
        processor = try! SignalProcessor(
            settings: ProcessingSettings(reference: reference), format: format, montage: montage,
            maxBlockFrames: Self.blockFrames)
        var state: UInt64 = 7
        block = (0..<(Self.blockFrames * channels)).map { i in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let spike: Int16 = (i / channels) % 100 < 5 ? -600 : 0  // a spike-like dip three times a block
            return Int16(truncatingIfNeeded: Int(state >> 54) - 512) / 8 + spike
        }
    }

    func step() {
        block.withUnsafeBufferPointer { processor.process($0, firstSample: sample) }
        sample += UInt64(Self.blockFrames)
        while processor.lfp.pop({ _, row in blackHole(row.first) }) {}
        while processor.bandPower.pop({ _, row in blackHole(row.first) }) {}
        while processor.crossings.pop({ h, _ in blackHole(h.sampleIndex) }) {}
        while processor.channelFigures.pop({ _, row in blackHole(row.first) }) {}
    }
}

/// 8 sEEG shafts × 12 contacts and 2 bundles of 8 microwires.
func implantMontage() -> Montage {
    var channels: [MontageChannel] = []
    for shaft in 0..<8 {
        for contact in 0..<12 {
            channels.append(
                MontageChannel(
                    name: "S\(shaft)_\(contact + 1)", kind: .seeg, group: "S\(shaft)", region: "r\(shaft)",
                    alongShaftMillimeters: Double(contact) * 3.5, hardwareChannel: channels.count))
        }
    }
    for bundle in 0..<2 {
        for wire in 0..<8 {
            channels.append(
                MontageChannel(
                    name: "m\(bundle)_\(wire + 1)", kind: .micro, group: "m\(bundle)", region: "hippocampus",
                    hardwareChannel: channels.count))
        }
    }
    return Montage(channels: channels, groups: [])
}

/// `count` microwires (spike detection on every channel), in bundles of 8.
func microwireMontage(_ count: Int) -> Montage {
    Montage(
        channels: (0..<count).map {
            MontageChannel(name: "w\($0)", kind: .micro, group: "b\($0 / 8)", region: "hippocampus", hardwareChannel: $0)
        }, groups: [])
}

/// SampleRing: one producer writes a block, one cursor reads it back.
final class SampleRingLoop: @unchecked Sendable {
    let ring = SampleRing(channelCount: 1024, minimumFrames: 1 << 14, consumers: ["processor"])
    let block = [Int16](repeating: 3, count: 300 * 1024)
    var destination = [Int16](repeating: 0, count: 300 * 1024)

    func step() {
        block.withUnsafeBufferPointer { ring.write($0) }
        let read = destination.withUnsafeMutableBufferPointer { ring.cursors[0].read(into: $0, maxFrames: 300) }
        blackHole(read.frameCount)
    }
}

/// FeatureRing: a 1024-float row pushed and popped.
final class FeatureRingLoop: @unchecked Sendable {
    let ring = FeatureRing<LFPRowHeader>(rowWidth: 1024, minimumRows: 64)
    var row: UInt64 = 0

    func step() {
        ring.push(LFPRowHeader(row: row)) { out in out[0] = 1 }
        row += 1
        ring.pop { h, values in blackHole(h.row &+ UInt64(values.count)) }
    }
}

let benchmarks: @Sendable () -> Void = {
    let zeroMallocs: [BenchmarkMetric: BenchmarkThresholds] = [.mallocCountTotal: .init(absolute: [.p100: 0])]
    Benchmark.defaultConfiguration = .init(
        metrics: [.mallocCountTotal], warmupIterations: 100, maxDuration: .seconds(5), maxIterations: 1000,
        thresholds: zeroMallocs)

    Benchmark("Harness alone (empty closure)") { _ in }
    let implant = ProcessorLoop(montage: implantMontage(), reference: .bipolar)
    Benchmark("SignalProcessor.process, 112 ch (96 sEEG bipolar + 16 microwires), 10 ms block") { _ in
        implant.step()
    }
    let car = ProcessorLoop(montage: implantMontage(), reference: .commonAveragePerShaft)
    Benchmark("SignalProcessor.process, 112 ch common average per shaft, 10 ms block") { _ in
        car.step()
    }
    let wide = ProcessorLoop(montage: microwireMontage(1024), reference: .monopolar)
    Benchmark("SignalProcessor.process, 1024 microwires, 10 ms block") { _ in
        wide.step()
    }
    let samples = SampleRingLoop()
    Benchmark("SampleRing write + cursor read, 1024 ch, 10 ms block") { _ in
        samples.step()
    }
    let features = FeatureRingLoop()
    Benchmark("FeatureRing push + pop, 1024-float row") { _ in
        features.step()
    }
}
