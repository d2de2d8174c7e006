import Foundation
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// Runs `Tests/python/dsp_scipy.py` with the interpreter in `$KETAMAP_PYTHON`
/// and reads back scipy's output.
enum ScipyReference {
    static var python: String? { ProcessInfo.processInfo.environment["KETAMAP_PYTHON"] }
    /// Tests that need scipy run when `KETAMAP_PYTHON` is set; `pythonIsConfiguredInCI` fails CI without it.
    static var available: Bool { python != nil }

    /// A script in `Tests/python/`.
    static func scriptPath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/\(name)").path
    }
    static let script = scriptPath("dsp_scipy.py")

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// scipy's result of a chain of stages (see `dsp_scipy.py chain`), row-major.
    static func chain(_ spec: String, input: [Double], frames: Int, channels: Int) throws -> [Double] {
        let data = try run(["chain", spec], input: input, frames: frames, channels: channels)
        return data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    }

    /// scipy's `sosfilt` output for `input` ([frames][channels], row-major) and the sos it designed.
    static func filter(_ arguments: [String], input: [Double], frames: Int, channels: Int) throws
        -> (output: [Double], sos: [SecondOrderSection])
    {
        let data = try run(arguments, input: input, frames: frames, channels: channels)
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

    private static func run(_ arguments: [String], input: [Double], frames: Int, channels: Int) throws -> Data {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ketamap-dsp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inURL = dir.appendingPathComponent("in.f64")
        let outURL = dir.appendingPathComponent("out.f64")
        try input.withUnsafeBytes { Data($0) }.write(to: inURL)
        try runScript(script, arguments + ["\(frames)", "\(channels)", inURL.path, outURL.path])
        return try Data(contentsOf: outURL)
    }

    /// Runs a Python script with `$KETAMAP_PYTHON`; throws its standard error when it fails.
    static func runScript(_ path: String, _ arguments: [String]) throws {
        guard let python else { throw Failure(description: "KETAMAP_PYTHON is not set") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [path] + arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Read before waiting: a full pipe would block the script.
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(URL(fileURLWithPath: path).lastPathComponent) \(arguments) failed: \(text)")
        }
    }
}

@Test func pythonIsConfiguredInCI() {
    let env = ProcessInfo.processInfo.environment
    if env["CI"] != nil {
        #expect(env["KETAMAP_PYTHON"] != nil, "CI must set KETAMAP_PYTHON to a python with scipy")
    }
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
