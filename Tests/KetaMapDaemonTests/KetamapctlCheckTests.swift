import Foundation
import KetaMapTestSupport
import Testing

extension KetamapctlTests {
    @Test("check without a ketamapd beside ketamapctl or in PATH says so on standard error and exits 3")
    func checkWithoutDaemon() async throws {
        let folder = try TemporaryFolder("check-alone")
        let alone = folder.path("ketamapctl")
        try FileManager.default.copyItem(atPath: ProcessRunner.binary("ketamapctl"), toPath: alone)
        let result = try await ProcessRunner.run(alone, ["check", "--seconds", "1"], timeout: 60, environment: ["PATH": folder.path])
        #expect(result.status == 3, "\(result.error)")
        #expect(result.error.contains("ketamapd is neither beside ketamapctl nor in PATH"), "\(result.error)")
        #expect(result.output.isEmpty)
    }
}
