import Foundation
import KetaMapControl

/// Where the heat map puts things: one panel per hemisphere (left, right, then
/// regions without one), side by side; a row per structure, a column per band.
struct HeatMapLayout {
    static let cell = (width: 64.0, height: 26.0)
    static let labelWidth = 210.0
    static let panelGap = 24.0
    static let top = 96.0

    let panels: [String?]
    let structures: [String]
    let bandCount: Int
    private let regions: Set<String>

    init(report: SessionReport) {
        let names = report.regions.map { RegionName($0.region) }
        panels = ["Left", "Right", nil].filter { side in names.contains { $0.hemisphere == side } }
        structures = names.map(\.structure).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        bandCount = report.bands.count
        regions = Set(report.regions.map(\.region))
    }

    var panelWidth: Double { Self.cell.width * Double(bandCount) }
    var width: Double { Self.labelWidth + Double(panels.count) * (panelWidth + Self.panelGap) + 20 }
    var height: Double { Self.top + Self.cell.height * Double(structures.count) + 90 }

    /// The cell of `region` and band `band`, or nil when the region is not drawn.
    func cell(region: String, band: Int) -> (x: Double, y: Double, width: Double, height: Double)? {
        let name = RegionName(region)
        guard regions.contains(region), let panel = panels.firstIndex(of: name.hemisphere), let row = structures.firstIndex(of: name.structure) else { return nil }
        let x = Self.labelWidth + Double(panel) * (panelWidth + Self.panelGap) + Self.cell.width * Double(band)
        return (x, Self.top + Self.cell.height * Double(row), Self.cell.width - 2, Self.cell.height - 2)
    }

    /// Top-left corner and width of the colour legend.
    var legend: (x: Double, y: Double, width: Double) { (Self.labelWidth, Self.top + Self.cell.height * Double(structures.count) + 40, 240) }
}

extension SessionReport {
    /// The map as a standalone SVG heat map: hemispheres side by side, blue for
    /// a decrease and red for an increase (saturating at ±3 dB, see the legend);
    /// a cell whose 95 % interval excludes 0 is outlined in black and starred.
    public func svg() -> String {
        let layout = HeatMapLayout(report: self)
        var svg = SVGDocument(width: layout.width, height: layout.height)
        svg.text("Band power change (dB) after \(alignmentDescription)", x: 10, y: 22, size: 14, bold: true)
        svg.text("baseline \(Int(baseline.lowerBound))–\(Int(baseline.upperBound)) s, window \(Int(window.lowerBound))–\(Int(window.upperBound)) s; outlined * : 95 % interval excludes 0", x: 10, y: 42)
        for (index, panel) in layout.panels.enumerated() {
            let x = HeatMapLayout.labelWidth + Double(index) * (layout.panelWidth + HeatMapLayout.panelGap)
            svg.text(panel.map { "\($0) hemisphere" } ?? "Other", x: x + layout.panelWidth / 2, y: HeatMapLayout.top - 30, anchor: "middle", bold: true)
            for (column, band) in bands.enumerated() {
                svg.text(band, x: x + HeatMapLayout.cell.width * (Double(column) + 0.5), y: HeatMapLayout.top - 10, anchor: "middle")
            }
        }
        for (row, structure) in layout.structures.enumerated() {
            svg.text(structure, x: HeatMapLayout.labelWidth - 8, y: HeatMapLayout.top + HeatMapLayout.cell.height * (Double(row) + 0.65), anchor: "end")
        }
        for region in regions {
            for (band, change) in region.bandChangeDecibels.enumerated() {
                guard let cell = layout.cell(region: region.region, band: band) else { continue }
                let significant = region.bandIntervals[band].excludesZero
                svg.rect(
                    x: cell.x, y: cell.y, width: cell.width, height: cell.height, fill: ColourScale.colour(change), stroke: significant ? "black" : nil,
                    strokeWidth: 2)
                if !change.isNaN {
                    svg.text(Self.signed(change, 2) + (significant ? "*" : ""), x: cell.x + cell.width / 2, y: cell.y + cell.height * 0.65, anchor: "middle", size: 11)
                }
            }
        }
        let legend = layout.legend
        ColourScale.drawLegend(into: &svg, x: legend.x, y: legend.y, width: legend.width, title: "change of band power, dB (window / baseline)")
        return svg.render()
    }
}
