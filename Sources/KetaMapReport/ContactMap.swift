import Foundation

/// Every processed channel on a glass brain, in three projections (sagittal,
/// coronal, axial), coloured by its change in one band: the montage's
/// coordinates in mm, drawn over an outline of the MNI template brain.
public struct ContactMap: Sendable {
    public let report: SessionReport
    /// Index into `report.bands`.
    public let band: Int
    /// The montage's coordinate space, for the title (e.g. `MNI152NLin2009cAsym`).
    public let space: String

    /// `band` by name; without one, the band whose mean absolute change over the channels is largest.
    public init(report: SessionReport, band: String? = nil, space: String) throws {
        self.report = report
        self.space = space
        if let band {
            guard let index = report.bands.firstIndex(of: band) else {
                throw SessionReport.Unavailable(description: "no band \(band); the file has \(report.bands.joined(separator: ", "))")
            }
            self.band = index
        } else {
            func spread(_ b: Int) -> Double {
                let values = report.channels.map { abs($0.bandChangeDecibels[b]) }.filter { !$0.isNaN }
                return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
            }
            self.band = report.bands.indices.max { spread($0) < spread($1) } ?? 0
        }
    }

    /// One projection: which coordinates go right and up, and the template brain's extent on them (mm).
    struct Projection: Sendable {
        var name: String
        /// Axes: 0 = x, 1 = y, 2 = z.
        var horizontal: Int
        var vertical: Int
        var horizontalRange: ClosedRange<Double>
        var verticalRange: ClosedRange<Double>
        var axes: String
    }

    /// MNI brain extent: x −70…70 (left…right), y −105…70 (posterior…anterior), z −50…80 (inferior…superior).
    static let projections = [
        Projection(name: "sagittal (from the right)", horizontal: 1, vertical: 2, horizontalRange: -105...70, verticalRange: -50...80, axes: "posterior ← y → anterior"),
        Projection(name: "coronal (from the front)", horizontal: 0, vertical: 2, horizontalRange: -70...70, verticalRange: -50...80, axes: "left ← x → right"),
        Projection(name: "axial (from above)", horizontal: 0, vertical: 1, horizontalRange: -70...70, verticalRange: -105...70, axes: "left ← x → right"),
    ]
    static let pixelsPerMillimetre = 1.6
    static let margin = 30.0
    static let top = 70.0

    /// Left edge of each projection's panel.
    static var panelOrigins: [Double] {
        var x = margin
        return projections.map { p in
            defer { x += (p.horizontalRange.upperBound - p.horizontalRange.lowerBound) * pixelsPerMillimetre + margin }
            return x
        }
    }

    /// Where a contact is drawn in projection `index`.
    static func point(_ position: ReportInput.Position, projection index: Int) -> (x: Double, y: Double) {
        let p = projections[index]
        let axes = [position.x, position.y, position.z]
        let x = panelOrigins[index] + (axes[p.horizontal] - p.horizontalRange.lowerBound) * pixelsPerMillimetre
        let y = top + (p.verticalRange.upperBound - axes[p.vertical]) * pixelsPerMillimetre
        return (x, y)
    }

    public func svg() -> String {
        let tallest = Self.projections.map { $0.verticalRange.upperBound - $0.verticalRange.lowerBound }.max()! * Self.pixelsPerMillimetre
        let last = Self.projections.count - 1
        let width = Self.panelOrigins[last] + (Self.projections[last].horizontalRange.upperBound - Self.projections[last].horizontalRange.lowerBound) * Self.pixelsPerMillimetre + Self.margin
        var svg = SVGDocument(width: width, height: Self.top + tallest + 100)
        let placed = report.channels.filter { $0.position != nil }
        svg.text("\(report.bands[band]) power change per contact (dB) after \(report.dose?.request.drug ?? "time 0"), \(space) coordinates", x: 10, y: 22, size: 14, bold: true)
        svg.text("\(placed.count) of \(report.channels.count) channels have coordinates; bipolar pairs at their midpoint; outline: MNI template brain", x: 10, y: 42)
        for (index, p) in Self.projections.enumerated() {
            let w = (p.horizontalRange.upperBound - p.horizontalRange.lowerBound) * Self.pixelsPerMillimetre
            let h = (p.verticalRange.upperBound - p.verticalRange.lowerBound) * Self.pixelsPerMillimetre
            let x = Self.panelOrigins[index]
            svg.ellipse(cx: x + w / 2, cy: Self.top + h / 2, rx: w / 2, ry: h / 2, fill: "#f4f4f4", stroke: "#999999")
            svg.text(p.name, x: x + w / 2, y: Self.top - 8, anchor: "middle", bold: true)
            svg.text(p.axes, x: x + w / 2, y: Self.top + h + 16, anchor: "middle", size: 10)
            for channel in placed {
                let point = Self.point(channel.position!, projection: index)
                svg.circle(cx: point.x, cy: point.y, r: 3.5, fill: ColourScale.colour(channel.bandChangeDecibels[band]))
            }
        }
        ColourScale.drawLegend(into: &svg, x: Self.margin, y: Self.top + tallest + 50, width: 240, title: "change of \(report.bands[band]) power, dB")
        return svg.render()
    }
}
