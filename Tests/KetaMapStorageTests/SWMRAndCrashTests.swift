import Foundation
import KetaMapCore
import KetaMapTestSupport
import Testing

@testable import KetaMapStorage

#if canImport(Glibc)
import Glibc
import KetaMapConfiguration
#endif

/// Writes the synthetic session at a steady pace until `stop` is set or `seconds` pass,
/// reporting each flush (frames on disk, doses flushed) to `progress`.
func paceWriter(path: String, description d: SessionDescription, seconds: Double, doseEveryFrames: Int, progress: ((UInt64, Int) -> Void)?) throws {
    let writer = try NWBSessionWriter(creating: path, description: d)
    let channels = d.format.channelCount
    let block = Int(d.format.sampleRateHz / 100)
    let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: block * channels)
    defer { buffer.deallocate() }
    let start = Date()
    var frame = 0
    var doses = 0
    var reported: UInt64 = 0
    while Date().timeIntervalSince(start) < seconds {
        SessionFixture.fillRaw(buffer, firstFrame: frame, frames: block, channels: channels)
        try writer.appendRaw(UnsafeBufferPointer(buffer))
        frame += block
        if frame % doseEveryFrames == 0 {
            let request = DoseRequest(drug: "ketamine", amount: 0.1, unit: .milligramsPerKilogram, route: .ivBolus)
            try writer.addDose(DoseEvent(stamping: request, atSample: UInt64(frame - 1), rateHz: d.format.sampleRateHz, weightKilograms: 70, wallClock: "t\(frame)", eventID: UInt64(frame)))
            try writer.flush()
            doses += 1
        }
        if writer.framesFlushed != reported {
            reported = writer.framesFlushed
            progress?(reported, doses)
        }
        usleep(2_000)
    }
    try writer.close()
}

@Suite("Readable while recording, and after a crash")
struct SWMRAndCrashTests {
    @Test("h5py (swmr=True) sees the sample count grow while the writer appends from another thread")
    func swmrReaderSeesGrowth() async throws {
        guard let python = ProcessRunner.python() else { return }
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("live.nwb").path
        let d = SessionFixture.description(storage: StorageSettings(flushSeconds: 0.1, chunkSeconds: 0.1))
        let reader = try PythonCheck.start(python, ["swmr", path, "4"])
        let failure = await onDedicatedThread("writer") { () -> String? in
            do { try paceWriter(path: path, description: d, seconds: 7, doseEveryFrames: 10_000, progress: nil) } catch { return "\(error)" }
            return nil
        }
        let seen = try await reader.wait(timeout: 120)
        let output = seen.output + seen.error
        #expect(failure == nil, "writer failed: \(failure ?? "")")
        #expect(seen.status == 0, "check_session.py swmr failed:\n\(output)")
        print("row counts seen by h5py while writing: \(output)")
        let reopened = try NWBSessionReader(path: path)
        #expect(reopened.frameCount > 10_000)
    }

    @Test("after kill -9 at random moments (also during set-up) and h5clear -s, the file opens and holds every flushed sample and dose")
    func crashSafety() async throws {
        guard let python = ProcessRunner.python() else { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/h5clear") else {
            Issue.record("h5clear is missing: apt-get install hdf5-tools")
            return
        }
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<6 {
            // Every third child is killed early, possibly while it creates the file.
            let early = attempt % 3 == 0
            let path = folder.appendingPathComponent("crash-\(attempt).nwb").path
            let progressPath = path + ".progress"
            let child = try ProcessRunner.start(
                CommandLine.arguments[0], ["--testing-library", "swift-testing", "--filter", "crashWriterChild"],
                environment: ["KETAMAP_CRASH_WRITER": path])
            if early {
                try await Task.sleep(for: .microseconds(UInt64.random(in: 0...400_000, using: &generator)))
            } else {
                // Kill at a random moment once the writer has flushed at least once (it says so in its progress file).
                let deadline = Date().addingTimeInterval(20)
                while Date() < deadline, (try? String(contentsOfFile: progressPath, encoding: .utf8))?.isEmpty ?? true {
                    try await Task.sleep(for: .milliseconds(20))
                }
                try await Task.sleep(for: .microseconds(UInt64.random(in: 50_000...900_000, using: &generator)))
            }
            child.signal(SIGKILL)
            _ = try await child.wait(timeout: 30)
            let text = (try? String(contentsOfFile: progressPath, encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n").filter { $0.split(separator: " ").count == 2 }
            if !early { #expect(!lines.isEmpty, "the child never reported a flush") }
            let last = lines.last ?? "0 0"
            let parts = last.split(separator: " ").map { Int($0)! }
            guard FileManager.default.fileExists(atPath: path) else {
                // Killed before the file got its name: nothing was accepted, nothing is promised.
                #expect(parts[0] == 0)
                continue
            }
            let expected = folder.appendingPathComponent("crash-\(attempt).json")
            let doses = (0..<parts[1]).map { ["sample_index": ($0 + 1) * 4_000 - 1] }
            try JSONSerialization.data(withJSONObject: ["flushed_frames": parts[0], "doses": doses]).write(to: expected)
            let clear = try await ProcessRunner.run("/usr/bin/h5clear", ["-s", "--increment=0", path], timeout: 60)
            #expect(clear.status == 0, "\(clear.error)")
            let result = try await PythonCheck.run(python, ["crash", path, expected.path])
            #expect(result.status == 0, "attempt \(attempt): check_session.py crash failed after \(last):\n\(result.output)")
            let reader = try NWBSessionReader(path: path)
            #expect(reader.frameCount >= UInt64(parts[0]))
            #expect(try reader.doses().count >= parts[1])
        }
    }

    /// The child of `crashSafety`: writes until killed. Does nothing unless `KETAMAP_CRASH_WRITER` is set.
    @Test("crash writer child (runs only when re-executed by crashSafety)")
    func crashWriterChild() throws {
        guard let path = ProcessInfo.processInfo.environment["KETAMAP_CRASH_WRITER"] else { return }
        let progress = try FileHandle(forWritingTo: {
            _ = FileManager.default.createFile(atPath: path + ".progress", contents: nil)
            return URL(fileURLWithPath: path + ".progress")
        }())
        let d = SessionFixture.description(storage: StorageSettings(flushSeconds: 0.05, chunkSeconds: 0.1))
        try paceWriter(path: path, description: d, seconds: 60, doseEveryFrames: 4_000) { frames, doses in
            progress.write(Data("\(frames) \(doses)\n".utf8))
        }
    }
}
