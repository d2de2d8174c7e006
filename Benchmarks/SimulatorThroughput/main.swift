// SimulatorThroughput: how fast SimulatedSource generates the embedded default
// montage (12 sEEG shafts and a bundle of 8 microwires: 108 channels at 30 kHz),
// as fast as it can, on one thread. Prints the real-time factor (seconds of signal per CPU second)
// and, measured in the same run on the same buffer, the cost of the floor any
// generator pays: one pseudo-random int16 per sample. See Benchmarks/README.md.
//
// Options: --seconds S of signal per timed pass (4) --rounds R (5)
import Foundation
import BenchmarkSupport
import KetaMapAcquisition
import KetaMapConfiguration
import KetaMapCore

let secondsPerPass = Double(max(1, option("--seconds", 4)))
let rounds = max(1, option("--rounds", 5))

let configuration = try ConfigurationLoader.loadDefault()
let source = SimulatedSource(configuration: configuration, pacing: .asFastAsPossible)
let channels = source.format.channelCount
let rate = source.format.sampleRateHz
let framesPerPass = Int(secondsPerPass * rate)
var buffer = [Int16](repeating: 0, count: source.framesPerBlock * channels)
source.start()

/// CPU seconds the simulator takes for one pass of `secondsPerPass` seconds of signal.
@MainActor func simulatorPass() -> Double {
    let start = cpuNow()
    var produced = 0
    while produced < framesPerPass {
        if case .frames(_, let n) = buffer.withUnsafeMutableBufferPointer({ source.read(into: $0) }) { produced += n }
    }
    return cpuNow() - start
}

/// CPU seconds for the same number of samples from a xorshift generator: the floor.
var state: UInt64 = 0x9E37_79B9_7F4A_7C15
@MainActor func floorPass() -> Double {
    let start = cpuNow()
    let blocks = (framesPerPass + source.framesPerBlock - 1) / source.framesPerBlock
    for _ in 0..<blocks {
        buffer.withUnsafeMutableBufferPointer { samples in
            for i in samples.indices {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                samples[i] = Int16(truncatingIfNeeded: state >> 48)
            }
        }
    }
    return cpuNow() - start
}

_ = simulatorPass()  // warm-up: first-touch pages, filter states settled
var simulator: [Double] = []
var floor: [Double] = []
for _ in 0..<rounds {  // interleaved, so that a busy moment of the machine falls on both
    simulator.append(simulatorPass())
    floor.append(floorPass())
}
let simulatorSeconds = median(simulator)
let floorSeconds = median(floor)
let samples = Double(framesPerPass * channels)
print("SimulatedSource, default montage: \(channels) channels × \(Int(rate)) Hz, \(secondsPerPass) s of signal per pass, median of \(rounds)")
print(String(format: "  simulator:      %.3f CPU s per pass, %.1f M samples/s, %.1f × real time", simulatorSeconds, samples / simulatorSeconds / 1e6, secondsPerPass / simulatorSeconds))
print(String(format: "  xorshift floor: %.3f CPU s per pass, %.1f M samples/s", floorSeconds, samples / floorSeconds / 1e6))
print(String(format: "  simulator / floor: %.1f ×", simulatorSeconds / floorSeconds))
