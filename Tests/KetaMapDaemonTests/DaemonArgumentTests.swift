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
}
