import Foundation
import KetaMapCore
import Testing

import KetaMapAcquisition
@testable import KetaMapDaemon

/// The report against what the simulator was told: `ketamapd` records a
/// simulated session (the default montage and effects, as fast as the machine
/// goes) long enough for the drug effect to reach its peak, then
/// `ketamapctl report` maps it.
@Suite("Report on ground truth", .serialized)
struct GroundTruthReportTests {
    /// The dose at 60 s; the effect (onset 2 s, peak 25 s) is at its peak from 30 s after it.
    static let doseAt = 60.0
    static let durationSeconds = 150.0
    static let reportArguments = ["--baseline", "55", "--window", "30..90", "--json"]

    /// Records a session and returns the report `ketamapctl` makes of it, with the configuration.
    static func recordAndReport(doseAt: Double?, extra: [String] = []) throws -> (SessionReport, Configuration)? {
        let workspace = try EndToEndTests.Workspace(doseAt: doseAt)
        let session = doseAt == nil ? "control" : "dosed"
        let daemon = try ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            workspace.daemonArguments(session: session, ["--duration", "\(Int(durationSeconds))", "--as-fast-as-possible"]), timeout: 600)
        #expect(daemon.status == 0, "ketamapd failed: \(daemon.error)")
        guard daemon.status == 0 else { return nil }
        let report = try ProcessRunner.run(
            ProcessRunner.binary("ketamapctl"), ["report", workspace.nwb(session)] + reportArguments + extra, timeout: 300)
        #expect(report.status == 0, "ketamapctl report failed: \(report.error)")
        #expect(report.error.contains("bootstrap intervals, region"), "the report shows its progress on standard error")
        guard report.status == 0 else { return nil }
        let decoded = try JSONText.decode(SessionReport.self, from: report.output)
        return (decoded, try ConfigurationLoader.load(path: workspace.configPath))
    }

    /// The configured change of `band` in `region` over the report's window, in dB:
    /// the effects that match the region, times the mean of the effect curve over the window.
    static func truth(region: String, band: String, report: SessionReport, simulator: SimulatorSettings) -> Double {
        let peak = simulator.effects.filter { $0.band == band && $0.matches(region: region) }.reduce(0) { $0 + $1.decibels }
        let curve = DrugEffectCurve(settings: simulator)
        let times = stride(from: report.window.lowerBound, to: report.window.upperBound, by: 0.5).map { $0 - report.alignmentSeconds }
        return peak * times.map { curve.effect(secondsSinceDose: $0) }.reduce(0, +) / Double(times.count)
    }

    @Test("every configured region × band effect is recovered with its sign within 0.5 dB, and ≥ 95 % of the other cells' intervals contain 0")
    func configuredEffectsAreRecovered() throws {
        guard let (report, configuration) = try Self.recordAndReport(doseAt: Self.doseAt) else { return }
        var unconfigured = 0, unconfiguredContainingZero = 0, configured = 0
        for region in report.regions {
            for (band, name) in report.bands.enumerated() {
                let expected = Self.truth(region: region.region, band: name, report: report, simulator: configuration.simulator)
                let measured = region.bandChangeDecibels[band], interval = region.bandIntervals[band]
                if expected == 0 {
                    unconfigured += 1
                    if !interval.excludesZero { unconfiguredContainingZero += 1 }
                } else {
                    configured += 1
                    #expect(
                        abs(measured - expected) <= 0.5 && measured.sign == expected.sign && interval.excludesZero,
                        "\(region.region) \(name): configured \(expected) dB, measured \(measured) [\(interval.low), \(interval.high)]")
                }
            }
        }
        #expect(configured >= 30, "the default montage and effects configure \(configured) cells")
        #expect(
            Double(unconfiguredContainingZero) >= 0.95 * Double(unconfigured),
            "\(unconfiguredContainingZero) of \(unconfigured) unconfigured cells have an interval containing 0")
    }

    @Test("a session without a dose, aligned to the same time, shows no effect")
    func noDoseNoEffect() throws {
        guard let (report, _) = try Self.recordAndReport(doseAt: nil, extra: ["--at", "\(Int(Self.doseAt))"]) else { return }
        #expect(report.dose == nil)
        let cells = report.regions.flatMap(\.bandIntervals)
        let containingZero = cells.count { !$0.excludesZero }
        #expect(Double(containingZero) >= 0.95 * Double(cells.count), "\(containingZero) of \(cells.count) cells have an interval containing 0")
    }
}
