// ProcessingThroughput: the whole KetaMap processing chain on N channels at
// 30 kHz in 10 ms blocks, one core. Prints samples/s, the real-time factor,
// the ratios to scipy measured in this run on the same data, and the latency
// from a block's arrival to its spike events. See Benchmarks/README.md.
//
// Options: --channels N (4096) --seconds S of signal processed per timed pass (2)
//          --latency-channels N (1024) --rounds R (5) --no-scipy
import Foundation
import BenchmarkSupport
import KetaMapCore

#if canImport(Glibc)
import Glibc
import KetaMapDSP
#endif

let channelCount = option("--channels", 4096)
let latencyChannels = option("--latency-channels", 1024)
let secondsPerPass = Double(option("--seconds", 2))
let rounds = max(5, option("--rounds", 5))
let useScipy = !CommandLine.arguments.contains("--no-scipy")
let rate = 30000.0
let blockFrames = 300  // 10 ms
let microvoltsPerCount = 0.195
let dataFrames = 15000  // 0.5 s of data, replayed with advancing sample indices

/// Seeded synthetic data: noise, rhythms, mains and spikes, as Int16 counts [frame][channel].
func makeData(channels: Int) -> [Int16] {
    var state: UInt64 = 42
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    func gaussian() -> Float {
        // Sum of 4 uniforms, scaled: cheap and close enough for a load test.
        var s: Float = 0
        for _ in 0..<4 { s += Float(next() >> 40) / Float(1 << 24) }
        return (s - 2) * 1.732
    }
    var data = [Int16](repeating: 0, count: dataFrames * channels)
    for f in 0..<dataFrames {
        let t = Float(f) / Float(rate)
        let rhythm = 80 * sinf(2 * .pi * 6 * t) + 30 * sinf(2 * .pi * 40 * t) + 20 * sinf(2 * .pi * 50 * t)
        let spikePhase = f % 300
        let spike: Float = spikePhase < 15 ? -120 * sinf(.pi * Float(spikePhase) / 15) : 0
        for c in 0..<channels {
            let v = 15 * gaussian() + rhythm + ((c + f / 300) % 7 == 0 ? spike : 0)
            data[f * channels + c] = Int16(max(-32768, min(32767, (v / Float(microvoltsPerCount)).rounded())))
        }
    }
    return data
}

func setup(channels: Int) throws -> (SignalProcessor, SampleFormat) {
    // Worst case: every channel is a microwire, so spike detection runs on all of them.
    let montageChannels = (0..<channels).map {
        MontageChannel(name: "w\($0)", kind: .micro, group: "b\($0 / 8)", region: "hippocampus", hardwareChannel: $0)
    }
    let groups = Set(montageChannels.map(\.group)).map { ElectrodeGroup(name: $0, description: "bundle", region: "hippocampus") }
    let format = SampleFormat(
        channelCount: channels, sampleRateHz: rate,
        calibration: Calibration(voltsPerCount: microvoltsPerCount * 1e-6, channelGains: .init(repeating: 1, count: channels)))
    let settings = ProcessingSettings(reference: .monopolar)
    let processor = try SignalProcessor(
        settings: settings, format: format, montage: Montage(channels: montageChannels, groups: groups),
        maxBlockFrames: blockFrames, crossingRingRows: 1 << 18)
    return (processor, format)
}

/// Drains every ring (as the recorder would, here on the same thread).
func drain(_ p: SignalProcessor) {
    while p.lfp.pop({ _, _ in }) {}
    while p.bandPower.pop({ _, _ in }) {}
    while p.crossings.pop({ _, _ in }) {}
    while p.channelFigures.pop({ _, _ in }) {}
}

/// One block's processing time in seconds: wall clock (what a waiting reader sees)
/// and the thread's CPU time (the cost, without other people's work on a shared machine).
typealias BlockTime = (wall: Double, cpu: Double)

/// Runs `seconds` of signal through `p` from sample `start`; appends each block's times; returns CPU seconds.
func run(_ p: SignalProcessor, data: [Int16], channels: Int, seconds: Double, start: inout UInt64, blockTimes: inout [BlockTime]) -> Double {
    let blocks = Int(seconds * rate) / blockFrames
    let blocksPerData = dataFrames / blockFrames
    let begin = cpuNow()
    data.withUnsafeBufferPointer { all in
        for b in 0..<blocks {
            let offset = (b % blocksPerData) * blockFrames * channels
            let block = UnsafeBufferPointer(rebasing: all[offset..<(offset + blockFrames * channels)])
            let t0 = now(), c0 = cpuNow()
            p.process(block, firstSample: start)
            let t1 = now(), c1 = cpuNow()
            blockTimes.append((t1 - t0, c1 - c0))
            start += UInt64(blockFrames)
            drain(p)
        }
    }
    return cpuNow() - begin
}

/// The scipy side, one request at a time (so Swift and scipy runs interleave).
final class Scipy {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    var buffer = Data()

    init?(dataPath: String, channels: Int) {
        guard let python = ProcessInfo.processInfo.environment["KETAMAP_PYTHON"] else {
            print("KETAMAP_PYTHON is not set: scipy ratios skipped (set it to a python with numpy and scipy)")
            return nil
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/python/dsp_benchmark.py").path
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, dataPath, "\(dataFrames)", "\(channels)", "\(rate)", "\(microvoltsPerCount)"]
        process.standardInput = input
        process.standardOutput = output
        do { try process.run() } catch {
            print("could not start \(python): \(error)")
            return nil
        }
        guard readLine() == "ready" else { return nil }
    }

    func readLine() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer = Data(buffer[(nl + 1)...])
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    func time(_ what: String) -> Double {
        input.fileHandleForWriting.write((what + "\n").data(using: .utf8)!)
        return Double(readLine() ?? "") ?? .nan
    }

    func quit() {
        input.fileHandleForWriting.write("quit\n".data(using: .utf8)!)
        process.waitUntilExit()
    }
}

print("KetaMap processing throughput: \(channelCount) channels × \(Int(rate)) Hz, \(blockFrames)-frame (10 ms) blocks, one thread")
let data = makeData(channels: channelCount)
let samplesPerPass = secondsPerPass * rate * Double(channelCount)

// Whole chain, Swift.
let (processor, _) = try setup(channels: channelCount)
var sample: UInt64 = 0
var blockTimes: [BlockTime] = []
_ = run(processor, data: data, channels: channelCount, seconds: 1, start: &sample, blockTimes: &blockTimes)  // warm-up

// Spike-band filter alone, Swift: the same kernel on float32 µV rows [frames][channels].
let padded = (channelCount + 15) / 16 * 16
var pristine = [Float](repeating: 0, count: dataFrames * padded)
for f in 0..<dataFrames { for c in 0..<channelCount { pristine[f * padded + c] = Float(data[f * channelCount + c]) * Float(microvoltsPerCount) } }
var work = pristine
let defaults = ProcessingSettings()  // the chain's spike band: order spikeFilterOrder, 300–6000 Hz
let spikeSections = try FilterDesign.butterworth(
    order: defaults.spikeFilterOrder, .bandPass(lowHz: defaults.spikeLowHz, highHz: defaults.spikeHighHz), sampleRateHz: rate)
@MainActor func swiftSpikeFilter() -> Double {
    let filter = InterleavedFilter(sections: spikeSections, channelCount: padded)
    work.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: pristine) }
    let t0 = cpuNow()
    work.withUnsafeMutableBufferPointer { filter.process($0.baseAddress!, frames: dataFrames) }
    return cpuNow() - t0
}

var scipy: Scipy?
let dataPath = FileManager.default.temporaryDirectory.appendingPathComponent("ketamap-bench-\(getpid()).i16").path
if useScipy {
    try data.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: dataPath))
    scipy = Scipy(dataPath: dataPath, channels: channelCount)
}

var swiftSpike: [Double] = []
var scipySpike: [Double] = []
var swiftChain: [Double] = []
var scipyChain: [Double] = []
blockTimes = []
for _ in 0..<rounds {
    swiftSpike.append(swiftSpikeFilter())
    if let scipy { scipySpike.append(scipy.time("spike")) }
    swiftChain.append(run(processor, data: data, channels: channelCount, seconds: secondsPerPass, start: &sample, blockTimes: &blockTimes))
}
if let scipy {
    for _ in 0..<3 { scipyChain.append(scipy.time("chain")) }
    scipy.quit()
}
try? FileManager.default.removeItem(atPath: dataPath)

let spikeSamples = Double(dataFrames * channelCount)
let swiftSpikeRate = spikeSamples / median(swiftSpike)
let chainRate = samplesPerPass / median(swiftChain)
print(String(format: "spike-band filter (Swift, SIMD):  %8.1f M samples/s", swiftSpikeRate / 1e6))
if !scipySpike.isEmpty {
    let scipyRate = spikeSamples / median(scipySpike)
    print(String(format: "spike-band filter (scipy sosfilt): %8.1f M samples/s  → %.1f× scipy (target ≥ 20×)", scipyRate / 1e6, swiftSpikeRate / scipyRate))
}
print(String(format: "whole chain (Swift):              %8.1f M samples/s per core (target ≥ 150)", chainRate / 1e6))
print(String(format: "real-time factor at %d ch × 30 kHz: %.2f× (1 = just real time)", channelCount, chainRate / (rate * Double(channelCount))))
if !scipyChain.isEmpty {
    let scipyRate = spikeSamples / median(scipyChain)
    print(String(format: "whole chain (numpy/scipy):        %8.1f M samples/s  → %.1f× scipy (target ≥ 8×)", scipyRate / 1e6, chainRate / scipyRate))
}
let wall = blockTimes.map(\.wall), cpu = blockTimes.map(\.cpu)
print(String(format: "block processing time at %d ch: p50 %.3f ms, p99 %.3f ms, max %.3f ms (CPU: p50 %.3f ms, p99 %.3f ms)", channelCount,
             percentile(wall, 0.5) * 1e3, percentile(wall, 0.99) * 1e3, (wall.max() ?? 0) * 1e3, percentile(cpu, 0.5) * 1e3, percentile(cpu, 0.99) * 1e3))
print("dropped rows: lfp \(processor.lfp.droppedRows), band power \(processor.bandPower.droppedRows), crossings \(processor.crossings.droppedRows)")

// Latency from a block's arrival to its spike events at ≤ 1024 channels: the
// events a block completes are in the crossings ring when `process` returns.
if latencyChannels > 0 {
    let (small, _) = try setup(channels: latencyChannels)
    let smallData = makeData(channels: latencyChannels)
    var s: UInt64 = 0
    var times: [BlockTime] = []
    _ = run(small, data: smallData, channels: latencyChannels, seconds: 1, start: &s, blockTimes: &times)
    times = []
    _ = run(small, data: smallData, channels: latencyChannels, seconds: 10, start: &s, blockTimes: &times)
    let wall = times.map(\.wall), cpu = times.map(\.cpu)
    print(String(format: "block arrival → spike events published, %d ch, 10 ms blocks: p50 %.3f ms, p99 %.3f ms (target p99 < 2 ms); CPU p50 %.3f ms, p99 %.3f ms",
                 latencyChannels, percentile(wall, 0.5) * 1e3, percentile(wall, 0.99) * 1e3, percentile(cpu, 0.5) * 1e3, percentile(cpu, 0.99) * 1e3))
}
