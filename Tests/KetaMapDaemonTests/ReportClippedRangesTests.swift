import Foundation
import KetaMapControl
import KetaMapReport
import KetaMapTestSupport
import Testing

/// `ketamapctl report` asked for ranges longer than the recording: they are
/// clipped to it from the file's metadata before any spectrum is computed, so
/// each stream's spectra are made once, in segments that the clipped ranges
/// hold three of.
@Suite("report on ranges clipped to the recording", .serialized)
struct ReportClippedRangesTests {
    @Test("the default ranges on a 12 s session: the spectra are made once, in segments that the clipped baseline and window hold three of")
    func spectraOnceInClippedSegments() async throws {
        let workspace = try EndToEndTests.Workspace(doseAt: 5)
        try workspace.atTwoKilohertz()
        let recorded = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "short", ["--duration", "12", "--as-fast-as-possible"]), timeout: 300)
        try #require(recorded.status == 0, "ketamapd: \(recorded.error)")

        // The defaults: 10 min before the dose, 5–30 min after it.
        let report = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["report", workspace.nwb("short"), "--json"], timeout: 300)
        try #require(report.status == 0, "report: \(report.error)")
        let spectra = report.error.split(separator: "\n").filter { $0.hasPrefix("report: band power") }
        #expect(spectra.count == 1, "one stream, its spectra made once: \(report.error)")
        let map = try JSONText.decode(SessionReport.self, from: report.output)
        #expect(map.notes.contains { $0.contains("window moved") }, "\(map.notes)")
        let shortest = min(map.baseline.upperBound - map.baseline.lowerBound, map.window.upperBound - map.window.lowerBound)
        let segment = try #require(spectra.first.flatMap { line in
            line.split(separator: " ").reversed().dropFirst(2).first.flatMap { Double($0) }
        })
        #expect(3 * segment <= shortest && 6 * segment > shortest, "\(segment) s segments for ranges of \(map.baseline) and \(map.window)")
        #expect(map.bandPower.contains(String(format: "%.3g s Hann segments", segment)), "\(map.bandPower)")
    }
}
