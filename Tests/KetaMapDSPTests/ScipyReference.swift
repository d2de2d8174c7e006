import Foundation
import KetaMapTestSupport
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// Runs `Tests/python/dsp_scipy.py` with the interpreter in `$KETAMAP_PYTHON`
/// and reads back scipy's output.
enum ScipyReference {
    static var python: String? { ProcessRunner.configuredPython }
    /// Tests that need scipy run when `KETAMAP_PYTHON` is set; `pythonIsConfiguredInCI` fails CI without it.
    static var available: Bool { python != nil }

    static let script = ProcessRunner.pythonScript("dsp_scipy.py")

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// scipy's result of a chain of stages (see `dsp_scipy.py chain`), row-major.
    static func chain(_ spec: String, input: [Double], frames: Int, channels: Int) async throws -> [Double] {
        let data = try await run(["chain", spec], input: input, frames: frames, channels: channels)
        return data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    }

    /// scipy's `sosfilt` output for `input` ([frames][channels], row-major) and the sos it designed.
    static func filter(_ arguments: [String], input: [Double], frames: Int, channels: Int) async throws
        -> (output: [Double], sos: [SecondOrderSection])
    {
        let data = try await run(arguments, input: input, frames: frames, channels: channels)
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        let n = frames * channels
        let output = Array(values[0..<n])
        var sos: [SecondOrderSection] = []
        var i = n
        while i + 6 <= values.count {
            sos.append(SecondOrderSection(b0: values[i], b1: values[i + 1], b2: values[i + 2], a1: values[i + 4], a2: values[i + 5]))
            i += 6
        }
        return (output, sos)
    }

    private static func run(_ arguments: [String], input: [Double], frames: Int, channels: Int) async throws -> Data {
        let folder = try TemporaryFolder("dsp")
        let inPath = folder.path("in.f64"), outPath = folder.path("out.f64")
        try input.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: inPath))
        try await runScript(script, arguments + ["\(frames)", "\(channels)", inPath, outPath])
        return try Data(contentsOf: URL(fileURLWithPath: outPath))
    }

    /// Runs a Python script with `$KETAMAP_PYTHON`; throws its standard error when it fails.
    static func runScript(_ path: String, _ arguments: [String]) async throws {
        guard let python else { throw Failure(description: "KETAMAP_PYTHON is not set") }
        let result = try await ProcessRunner.run(python, [path] + arguments)
        guard result.status == 0 else {
            throw Failure(description: "\(URL(fileURLWithPath: path).lastPathComponent) \(arguments) failed: \(result.error)")
        }
    }
}

/// The scipy suites are disabled without a Python; this fails CI then (`ProcessRunner.python()` records it).
@Test func pythonIsConfiguredInCI() {
    _ = ProcessRunner.python()
}

/// Seeded noise generator for the DSP tests (SplitMix64 + Box–Muller).
struct SeededNoise {
    private var bits: SplitMix64
    init(seed: UInt64) { bits = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { bits.next() }
    /// Uniform in (0, 1).
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }
    /// Standard normal.
    mutating func gaussian() -> Double {
        (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }
}
