import Foundation

extension SessionReport {
    /// The report as text: a header naming the dose and the windows, then one
    /// row per region with the change of each band (dB) and of the spike rate.
    public func text() -> String {
        var lines = [
            "Dose: \(DoseText.dose(dose))",
            "Baseline \(StatusText.formatDuration(baseline.lowerBound))–\(StatusText.formatDuration(baseline.upperBound)), window \(StatusText.formatDuration(window.lowerBound))–\(StatusText.formatDuration(window.upperBound)); band power change in dB, spike rate change in %",
        ]
        lines += notes.map { "note: \($0)" }
        lines.append("")
        lines.append(table(decimals: 2).render())
        return lines.joined(separator: "\n")
    }

    /// One row per region: region, channels, each band's change in dB, spike rates.
    public func table(decimals: Int = 3) -> Table {
        let header = ["region", "channels"] + bands.map { "\($0) dB" } + ["spikes/s before", "spikes/s after", "spike change %"]
        let rows = regions.map { region in
            [region.region, "\(region.channelCount)"]
                + region.bandChangeDecibels.map { $0.isNaN ? "" : Self.signed($0, decimals) }
                + [
                    region.spikeRateBaseline.map { StatusText.format($0, 2) } ?? "",
                    region.spikeRateWindow.map { StatusText.format($0, 2) } ?? "",
                    region.spikeRateChangePercent.map { Self.signed($0, 1) } ?? "",
                ]
        }
        return Table(header: header, rows: rows)
    }

    /// A heat map, regions × bands, blue for a decrease and red for an increase
    /// (saturating at ±3 dB), as a standalone SVG document.
    public func svg() -> String {
        let cell = (width: 84.0, height: 26.0)
        let left = 230.0, top = 70.0
        let width = left + cell.width * Double(bands.count) + 20
        let height = top + cell.height * Double(regions.count) + 50
        var parts = [
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" font-family="sans-serif" font-size="12">"#,
            #"<rect width="100%" height="100%" fill="white"/>"#,
            #"<text x="10" y="20" font-size="14" font-weight="bold">\#(Self.escape("Band power change after \(dose.request.drug) \(dose.request.amount) \(dose.request.unit.rawValue) (dB)"))</text>"#,
            #"<text x="10" y="40">\#(Self.escape("baseline \(Int(baseline.lowerBound))–\(Int(baseline.upperBound)) s, window \(Int(window.lowerBound))–\(Int(window.upperBound)) s"))</text>"#,
        ]
        for (column, band) in bands.enumerated() {
            let x = left + cell.width * (Double(column) + 0.5)
            parts.append(#"<text x="\#(x)" y="\#(top - 8)" text-anchor="middle">\#(Self.escape(band))</text>"#)
        }
        for (row, region) in regions.enumerated() {
            let y = top + cell.height * Double(row)
            parts.append(#"<text x="\#(left - 8)" y="\#(y + cell.height * 0.65)" text-anchor="end">\#(Self.escape(region.region))</text>"#)
            for (column, change) in region.bandChangeDecibels.enumerated() {
                let x = left + cell.width * Double(column)
                parts.append(#"<rect x="\#(x)" y="\#(y)" width="\#(cell.width - 2)" height="\#(cell.height - 2)" fill="\#(Self.colour(change))"/>"#)
                if !change.isNaN {
                    parts.append(#"<text x="\#(x + cell.width / 2)" y="\#(y + cell.height * 0.65)" text-anchor="middle">\#(Self.signed(change, 2))</text>"#)
                }
            }
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    static func signed(_ value: Double, _ decimals: Int) -> String {
        (value > 0 ? "+" : "") + StatusText.format(value, decimals)
    }

    /// Diverging colour: white at 0, red up, blue down, full at ±3 dB; grey for no value.
    static func colour(_ decibels: Double) -> String {
        guard !decibels.isNaN else { return "#dddddd" }
        let t = min(1, abs(decibels) / 3)
        let fade = Int((255 * (1 - t)).rounded())
        return decibels >= 0 ? String(format: "#ff%02x%02x", fade, fade) : String(format: "#%02x%02xff", fade, fade)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
