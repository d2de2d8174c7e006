import Foundation
import KetaMapTestSupport
import Testing

/// `ketamapd`'s own arguments: a value it cannot use is refused before anything is
/// created (exit 64, the usage error), however large.
@Suite("ketamapd arguments")
struct DaemonArgumentTests {
    @Test("a --duration that is not from above 0 to 366 days is refused with exit 64, creating nothing", arguments: ["inf", "1e300", "3e12", "31622401", "nan", "0", "-1"])
    func durationOutOfRange(_ duration: String) async throws {
        let folder = try TemporaryFolder("duration")
        let result = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            ["--session", "long", "--output-dir", folder.path, "--control-socket", folder.path("c.sock"), "--as-fast-as-possible", "--duration=\(duration)"])
        #expect(result.status == 64, "\(result.error)")
        #expect(result.error.contains("--duration must be a number of seconds from above 0 to 31622400 (366 days)"), "\(result.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("a --source it cannot parse is a usage error (exit 64) naming the source", arguments: [("bogus", "expected sim, comedi or replay:PATH"), ("replay:x.raw?channels=0&rate=1000&uv_per_bit=1", "--source replay:x.raw?channels=0")])
    func unparsableSource(_ source: String, _ says: String) async throws {
        let folder = try TemporaryFolder("source")
        let result = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), ["--session", "s", "--output-dir", folder.path, "--control-socket", folder.path("c.sock"), "--source", source])
        #expect(result.status == 64 && result.error.contains(says), "\(result.status) \(result.error)")
    }

    @Test("an output folder that cannot be made is named with the system's reason (exit 74), creating nothing")
    func outputFolderThatCannotBeMade() async throws {
        let folder = try TemporaryFolder("output")
        #expect(FileManager.default.createFile(atPath: folder.path("file"), contents: Data()))
        let result = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            ["--session", "s", "--output-dir", folder.path("file/sessions"), "--control-socket", folder.path("c.sock"), "--duration", "1", "--as-fast-as-possible"])
        #expect(result.status == 74 && result.error.contains("cannot write \(folder.path("file/sessions")): \(folder.path("file")) is a file, not a folder"), "\(result.status) \(result.error)")
        #expect(!result.error.contains("NSCocoaErrorDomain"))
    }

    @Test("a replay on the embedded default, whose demonstration dose cannot be edited out, is told to bring a config of its own (exit 78)")
    func embeddedScheduleOnAReplay() async throws {
        let folder = try TemporaryFolder("schedule")
        let result = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            ["--session", "s", "--output-dir", folder.path, "--control-socket", folder.path("c.sock"), "--source", "replay:\(folder.path("take.nwb"))"])
        #expect(result.status == 78, "\(result.error)")
        #expect(result.error.contains("give --config with a copy of config/ketamapd.toml without [[schedule.dose]], or pass --apply-schedule"), "\(result.error)")
    }
}
