import Testing
import KetaMapCore
import KetaMapAcquisition
import KetaMapConfiguration

#if DEBUG
private let isReleaseBuild = false
#else
private let isReleaseBuild = true
#endif

/// Speed is a release-build property: `swift test -c release --filter SimulatedSourceSpeed`.
@Suite("SimulatedSource speed", .enabled(if: isReleaseBuild, "measured in release builds only: swift test -c release --filter SimulatedSourceSpeed"))
struct SimulatedSourceSpeedTests {
    /// Generates `seconds` of the default montage (108 channels at 30 kHz) as fast as possible; returns seconds of signal per wall-clock second.
    static func realTimeFactor(seconds: Double) throws -> Double {
        let config = try ConfigurationLoader.loadDefault()
        let source = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        let channels = source.format.channelCount
        var buffer = [Int16](repeating: 0, count: source.framesPerBlock * channels)
        let frames = Int(seconds * source.format.sampleRateHz)
        let clock = ContinuousClock()
        source.start()
        var produced = 0
        let elapsed = clock.measure {
            while produced < frames {
                if case .frames(_, let n) = buffer.withUnsafeMutableBufferPointer({ source.read(into: $0) }) { produced += n }
            }
        }
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return seconds / wall
    }

    @Test("108 channels at 30 kHz are generated faster than real time on one core")
    func fasterThanRealTime() throws {
        let factor = try Self.realTimeFactor(seconds: 2)
        print("SimulatedSource: 108 channels × 30 kHz generated at \(factor) × real time")
        #expect(factor > 1.5, "generated at \(factor) × real time")
    }
}
