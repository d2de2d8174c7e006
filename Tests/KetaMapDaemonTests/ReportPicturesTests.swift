import Foundation
import KetaMapCore
import KetaMapTestSupport
import Testing

@testable import KetaMapReport
import KetaMapDSP

/// The report's pictures rendered as a reader sees them (rsvg-convert, the
/// librsvg renderer) and checked pixel by pixel.
@Suite("Report pictures", .serialized)
struct ReportPicturesTests {
    /// Left and right amygdala and left hippocampus, two channels each, two bands,
    /// 10 rows/s for 100 s, a dose at 40 s: gamma doubles on the left, halves on the
    /// right; alpha never changes. Channels have MNI positions.
    static func input() -> ReportInput {
        let bands = [ProcessingSettings.Band(name: "alpha", lowHz: 8, highHz: 13), ProcessingSettings.Band(name: "gamma", lowHz: 30, highHz: 80)]
        let places: [(String, ReportInput.Position)] = [
            ("left amygdala", .init(x: -24, y: -4, z: -20)), ("left amygdala", .init(x: -28, y: -4, z: -20)),
            ("right amygdala", .init(x: 24, y: -4, z: -20)), ("right amygdala", .init(x: 28, y: -4, z: -20)),
            ("left hippocampus", .init(x: -30, y: -22, z: -12)), ("left hippocampus", .init(x: -34, y: -22, z: -12)),
        ]
        let channels = places.enumerated().map { ReportInput.Channel(name: "c\($0.offset)", region: $0.element.0, detectsSpikes: false, position: $0.element.1) }
        var power: [Float] = []
        for row in 0..<1000 {
            let after = Double(row) / 10 >= 40
            let wobble = Float(1 + 0.05 * sin(Double(row) * 0.7))
            for channel in channels {
                power.append(50)
                let gamma: Float = channel.region.hasPrefix("right") ? (after ? 5 : 10) : (after ? 20 : 10)
                power.append(gamma * wobble)
            }
        }
        let dose = DoseEvent(
            stamping: DoseRequest(drug: "ketamine", amount: 0.5, unit: .milligramsPerKilogram, route: .ivBolus), atSample: 40_000, rateHz: 1000,
            weightKilograms: 70, wallClock: "2026-11-26T10:00:00Z")
        var input = ReportInput(bands: bands, bandPowerRateHz: 10, channels: channels, power: power, doses: [dose], crossings: [], durationSeconds: 100)
        input.coordinateSpace = "MNI152NLin2009cAsym"
        return input
    }

    struct Probe: Encodable {
        var png: String
        var x: Double
        var y: Double
        var colour: String
        var why: String
    }

    /// Renders `svg` to a PNG in `directory` with rsvg-convert; nil (and an issue in CI) without it.
    static func render(_ svg: String, name: String, in directory: TemporaryFolder) async throws -> String? {
        let converter = "/usr/bin/rsvg-convert"
        guard FileManager.default.isExecutableFile(atPath: converter) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("rsvg-convert is missing: scripts/setup.sh installs librsvg2-bin") }
            return nil
        }
        let source = "\(directory.path)/\(name).svg", png = "\(directory.path)/\(name).png"
        try svg.write(toFile: source, atomically: true, encoding: .utf8)
        let result = try await ProcessRunner.run(converter, ["--format", "png", "--output", png, source], timeout: 60)
        #expect(result.status == 0, "rsvg-convert failed on \(name).svg: \(result.error)")
        return result.status == 0 ? png : nil
    }

    /// Runs check_pictures.py on the probes; returns its complaints.
    static func check(_ probes: [Probe], in directory: TemporaryFolder) async throws -> String? {
        guard let python = ProcessRunner.python() else { return nil }
        let file = "\(directory.path)/probes.json"
        try JSONEncoder().encode(probes).write(to: URL(fileURLWithPath: file))
        let script = ProcessRunner.repositoryRoot.appendingPathComponent("Tests/python/check_pictures.py").path
        let result = try await ProcessRunner.run(python, [script, file], timeout: 60)
        return result.status == 0 ? "" : result.output + result.error
    }

    @Test("heat map: hemispheres side by side, red up, blue down, significant cells outlined, a colour legend")
    func heatMap() async throws {
        let directory = try TemporaryFolder()
        let report = try SessionReport(input: Self.input(), baselineSeconds: 30, window: 10...50)
        guard let png = try await Self.render(report.svg(), name: "map", in: directory) else { return }
        let layout = HeatMapLayout(report: report)
        #expect(layout.panels == ["Left", "Right"])
        let leftGamma = try #require(layout.cell(region: "left amygdala", band: 1))
        let rightGamma = try #require(layout.cell(region: "right amygdala", band: 1))
        let leftAlpha = try #require(layout.cell(region: "left amygdala", band: 0))
        #expect(leftGamma.y == rightGamma.y && rightGamma.x > leftGamma.x + layout.panelWidth - 1, "the same structure on one row, right panel beside the left")
        #expect(layout.cell(region: "right hippocampus", band: 1) == nil)
        let legend = layout.legend
        let probes = [
            Probe(png: png, x: leftGamma.x + 5, y: leftGamma.y + 5, colour: "red", why: "left amygdala gamma rose 3 dB"),
            Probe(png: png, x: rightGamma.x + 5, y: rightGamma.y + 5, colour: "blue", why: "right amygdala gamma fell 3 dB"),
            Probe(png: png, x: leftGamma.x, y: leftGamma.y + leftGamma.height / 2, colour: "black", why: "a significant cell is outlined"),
            Probe(png: png, x: leftAlpha.x + 5, y: leftAlpha.y + 5, colour: "white", why: "alpha did not change"),
            Probe(png: png, x: leftAlpha.x, y: leftAlpha.y + leftAlpha.height / 2, colour: "white", why: "a cell whose interval contains 0 has no outline"),
            Probe(png: png, x: legend.x + 3, y: legend.y + 7, colour: "blue", why: "the legend starts at −3 dB"),
            Probe(png: png, x: legend.x + legend.width - 3, y: legend.y + 7, colour: "red", why: "the legend ends at +3 dB"),
            Probe(png: png, x: legend.x + legend.width / 2, y: legend.y + 7, colour: "light", why: "the legend is white at 0 dB"),
        ]
        let complaints = try await Self.check(probes, in: directory) ?? ""
        #expect(complaints == "", "\(complaints)")
    }

    @Test("time courses: baseline and window shaded, the dose marked, one panel per region")
    func timeCourses() async throws {
        let directory = try TemporaryFolder()
        let input = Self.input()
        let report = try SessionReport(input: input, baselineSeconds: 30, window: 10...50)
        let course = DoseTimeCourse(input: input, report: report)
        #expect(course.decibels.count == 3 && course.decibels[0][1].count == course.binSeconds.count)
        #expect(abs((course.decibels[0][1].last ?? 0) - 10 * log10(2)) < 0.3, "left amygdala gamma ends near +3 dB")
        guard let png = try await Self.render(course.svg(), name: "course", in: directory) else { return }
        let area = DoseTimeCourse.plotArea(0)
        let t0 = course.binSeconds.first!, t1 = course.binSeconds.last!
        func x(_ seconds: Double) -> Double { area.x + area.width * (seconds - t0) / (t1 - t0) }
        let probes = [
            // Near the bottom of the left amygdala's panel: no line goes below 0 dB there.
            Probe(png: png, x: x(-20), y: area.y + area.height - 4, colour: "grey", why: "the baseline is shaded grey"),
            Probe(png: png, x: x(30), y: area.y + area.height - 4, colour: "yellow", why: "the window is shaded yellow"),
            Probe(png: png, x: x(5), y: area.y + area.height - 4, colour: "white", why: "between baseline and window: no shading"),
            Probe(png: png, x: x(0), y: area.y + area.height / 3, colour: "red", why: "the dose is a red line"),
        ]
        let complaints = try await Self.check(probes, in: directory) ?? ""
        #expect(complaints == "", "\(complaints)")
    }

    @Test("glass brain: every contact in three projections, coloured by its change")
    func contactMap() async throws {
        let directory = try TemporaryFolder()
        let report = try SessionReport(input: Self.input(), baselineSeconds: 30, window: 10...50)
        let map = try ContactMap(report: report, space: "MNI152NLin2009cAsym")
        #expect(report.bands[map.band] == "gamma", "the band that changed most is shown")
        #expect(throws: SessionReport.Unavailable.self) { try ContactMap(report: report, band: "theta", space: "MNI152NLin2009cAsym") }
        guard let png = try await Self.render(map.svg(), name: "contacts", in: directory) else { return }
        var probes: [Probe] = []
        for projection in 0..<3 {
            let left = ContactMap.point(.init(x: -34, y: -22, z: -12), projection: projection)
            let right = ContactMap.point(.init(x: 28, y: -4, z: -20), projection: projection)
            probes.append(Probe(png: png, x: left.x, y: left.y, colour: "red", why: "left hippocampus contact, gamma up, projection \(projection)"))
            if projection > 0 {  // the sagittal view puts left and right amygdala on one spot
                probes.append(Probe(png: png, x: right.x, y: right.y, colour: "blue", why: "right amygdala contact, gamma down, projection \(projection)"))
            }
        }
        let outside = ContactMap.point(.init(x: 0, y: 60, z: -48), projection: 1)
        probes.append(Probe(png: png, x: outside.x - 100, y: outside.y + 40, colour: "white", why: "outside the brain outline"))
        let inside = ContactMap.point(.init(x: 0, y: 0, z: 40), projection: 1)
        probes.append(Probe(png: png, x: inside.x, y: inside.y, colour: "light", why: "the glass brain is light"))
        let complaints = try await Self.check(probes, in: directory) ?? ""
        #expect(complaints == "", "\(complaints)")
    }
}
