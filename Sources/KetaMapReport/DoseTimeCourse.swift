import Foundation
import KetaMapControl

/// Band power of each region over time around the reported dose, in dB
/// relative to the baseline mean: one panel per region, a line per band, the
/// baseline and the window shaded, the dose (and any other dose) marked.
public struct DoseTimeCourse: Sendable {
    /// Centre of each bin, in seconds relative to the dose.
    public var binSeconds: [Double]
    /// `[region][band][bin]`, dB relative to the region's baseline mean power; NaN for an empty bin.
    public var decibels: [[[Double]]]
    public let report: SessionReport
    /// Other doses in the shown span, seconds relative to the reported one.
    public var otherDoses: [Double]

    static let binsWanted = 150

    /// From the baseline's start to the window's end, in about 150 bins of at least one band-power row.
    public init(input: ReportInput, report: SessionReport) {
        self.report = report
        let doseTime = report.alignmentSeconds
        let span = input.timeline.rows(from: report.baseline.lowerBound, to: report.window.upperBound)
        let baselineRows = input.timeline.rows(from: report.baseline.lowerBound, to: report.baseline.upperBound)
        let rowsPerBin = max(1, span.count / Self.binsWanted)
        let bins = stride(from: span.lowerBound, to: span.upperBound, by: rowsPerBin).map { $0..<min(span.upperBound, $0 + rowsPerBin) }
        binSeconds = bins.map { input.timeline.bandPowerStartSeconds + (Double($0.lowerBound) + Double($0.count - 1) / 2) / input.timeline.bandPowerRateHz - doseTime }
        let bands = input.timeline.bands.count
        func regionPower(_ members: [Int], _ band: Int, _ rows: Range<Int>) -> Double {
            var sum = 0.0
            for row in rows { for m in members { sum += Double(input.power[(row * input.channels.count + m) * bands + band]) } }
            return sum / Double(rows.count * members.count)
        }
        decibels = report.regions.map { region in
            let members = input.channels.indices.filter { input.channels[$0].row == region.region }
            return (0..<bands).map { band in
                let reference = regionPower(members, band, baselineRows)
                return bins.map { bin in
                    let power = regionPower(members, band, bin)
                    return reference > 0 && power > 0 ? 10 * log10(power / reference) : .nan
                }
            }
        }
        let shown = (binSeconds.first ?? 0)...(binSeconds.last ?? 0)
        otherDoses = input.timeline.doses.map { $0.startSeconds - doseTime }.filter { $0 != 0 && shown.contains($0) }
    }

    /// Categorical colours for the bands (Okabe–Ito, readable by colour-blind readers).
    static let bandColours = ["#0072B2", "#009E73", "#E69F00", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442"]
    static let panel = (width: 260.0, height: 150.0, columns: 4)
    static let top = 80.0

    /// The plot area of region `index`'s panel.
    static func plotArea(_ index: Int) -> (x: Double, y: Double, width: Double, height: Double) {
        let column = index % panel.columns, row = index / panel.columns
        return (50 + Double(column) * (panel.width + 30), top + Double(row) * (panel.height + 50), panel.width, panel.height)
    }

    /// The time courses as a standalone SVG document.
    public func svg() -> String {
        let rows = (report.regions.count + Self.panel.columns - 1) / Self.panel.columns
        var svg = SVGDocument(width: 50 + Double(Self.panel.columns) * (Self.panel.width + 30), height: Self.top + Double(rows) * (Self.panel.height + 50) + 20)
        svg.text("Band power (dB relative to the baseline) around \(report.alignmentDescription)", x: 10, y: 22, size: 14, bold: true)
        svg.text("grey: baseline, yellow: window, red line: dose, dashed: other doses; minutes from the dose", x: 10, y: 40)
        for (band, name) in report.bands.enumerated() {
            let x = 10 + Double(band) * 110
            svg.line(x1: x, y1: 56, x2: x + 24, y2: 56, stroke: Self.bandColours[band % Self.bandColours.count], width: 3)
            svg.text(name, x: x + 30, y: 60)
        }
        let (t0, t1) = (binSeconds.first ?? -1, max((binSeconds.last ?? 1), (binSeconds.first ?? -1) + 1))
        // The y range: ±(largest change + 25 %), at least ±3 dB and at most ±10 dB.
        let limit = min(10, max(3, 1.25 * (decibels.flatMap { $0.flatMap { $0 } }.filter { !$0.isNaN }.map(abs).max() ?? 3)))
        for (index, region) in report.regions.enumerated() {
            let area = Self.plotArea(index)
            func x(_ seconds: Double) -> Double { area.x + area.width * (seconds - t0) / (t1 - t0) }
            func y(_ value: Double) -> Double { area.y + area.height * (1 - (max(-limit, min(limit, value)) + limit) / (2 * limit)) }
            let doseTime = report.alignmentSeconds
            svg.rect(x: x(report.baseline.lowerBound - doseTime), y: area.y, width: x(report.baseline.upperBound - doseTime) - x(report.baseline.lowerBound - doseTime), height: area.height, fill: "#d9d9d9")
            svg.rect(x: x(report.window.lowerBound - doseTime), y: area.y, width: x(report.window.upperBound - doseTime) - x(report.window.lowerBound - doseTime), height: area.height, fill: "#fff3b0")
            svg.rect(x: area.x, y: area.y, width: area.width, height: area.height, fill: "none", stroke: "#444444")
            svg.line(x1: area.x, y1: y(0), x2: area.x + area.width, y2: y(0), stroke: "#888888", width: 0.5)
            for band in report.bands.indices {
                svg.polyline(zip(binSeconds, decibels[index][band]).map { (x($0), y($1)) }, stroke: Self.bandColours[band % Self.bandColours.count])
            }
            svg.line(x1: x(0), y1: area.y, x2: x(0), y2: area.y + area.height, stroke: "#d00000", width: 2)
            for other in otherDoses { svg.line(x1: x(other), y1: area.y, x2: x(other), y2: area.y + area.height, stroke: "#d00000", dashed: true) }
            svg.text(region.region, x: area.x, y: area.y - 6, bold: true)
            svg.text(SessionReport.signed(limit, 0), x: area.x - 4, y: area.y + 10, anchor: "end", size: 10)
            svg.text(SessionReport.signed(-limit, 0), x: area.x - 4, y: area.y + area.height, anchor: "end", size: 10)
            svg.text(StatusText.format(t0 / 60, 0), x: area.x, y: area.y + area.height + 14, anchor: "middle", size: 10)
            svg.text("0", x: x(0), y: area.y + area.height + 14, anchor: "middle", size: 10)
            svg.text(StatusText.format(t1 / 60, 0), x: area.x + area.width, y: area.y + area.height + 14, anchor: "middle", size: 10)
        }
        return svg.render()
    }
}
