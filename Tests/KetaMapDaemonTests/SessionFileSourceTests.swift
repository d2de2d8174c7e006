import Foundation
import KetaMapAcquisition
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// The session-file replay source (`--source replay:<session>.nwb`) through the
/// Source conformance suite, on a file the daemon recorded.
@Suite("Session file source")
struct SessionFileSourceTests {
    @Test("SessionFileSource passes the Source conformance suite, once through the file and looping past its end, with the file's samples")
    func conformance() async throws {
        let workspace = try EndToEndTests.Workspace(doseAt: nil, edit: EndToEndTests.Workspace.withoutProcessing)
        let recorded = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "original", ["--duration", "0.5", "--as-fast-as-possible"]), timeout: 120)
        #expect(recorded.status == 0, "\(recorded.error)")
        let path = workspace.nwb("original")
        let reader = try NWBSessionReader(path: path)
        let frames = Int(reader.frameCount)
        let channels = reader.format.channelCount
        var stored = [Int16](repeating: 0, count: frames * channels)
        try stored.withUnsafeMutableBufferPointer { try reader.readRaw(firstFrame: 0, frameCount: frames, into: $0) }
        reader.close()
        #expect(frames == 2000, "0.5 s at 4 kHz")

        let once = try checkSourceConformance(frames: frames + 500) {
            try SessionFileSource(path: path, loop: false, pacing: .asFastAsPossible)
        }
        #expect(once == stored, "the replay is the file's samples, and it ends with the file")

        let looped = try checkSourceConformance(frames: 2 * frames + 300) {
            try SessionFileSource(path: path, loop: true, pacing: .asFastAsPossible)
        }
        #expect(looped.count == (2 * frames + 300) * channels)
        #expect(Array(looped[(frames * channels)..<(2 * frames * channels)]) == stored, "the second pass repeats the file")
    }
}
