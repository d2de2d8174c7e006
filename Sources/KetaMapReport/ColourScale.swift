import Foundation

/// The diverging colours of every report picture: white at 0 dB, red for an
/// increase, blue for a decrease, full at ±`limitDecibels`; grey for no value.
enum ColourScale {
    static let limitDecibels = 3.0
    static let missing = "#dddddd"

    static func colour(_ decibels: Double) -> String {
        guard !decibels.isNaN else { return missing }
        let t = min(1, abs(decibels) / limitDecibels)
        let fade = Int((255 * (1 - t)).rounded())
        return decibels >= 0 ? String(format: "#ff%02x%02x", fade, fade) : String(format: "#%02x%02xff", fade, fade)
    }

    /// A horizontal colour bar from −limit to +limit at (`x`, `y`), `width` wide, with ticks and `title`.
    static func drawLegend(into svg: inout SVGDocument, x: Double, y: Double, width: Double, title: String) {
        let steps = 24
        let step = width / Double(steps)
        svg.text(title, x: x, y: y - 6)
        for i in 0..<steps {
            let decibels = -limitDecibels + 2 * limitDecibels * (Double(i) + 0.5) / Double(steps)
            svg.rect(x: x + Double(i) * step, y: y, width: step + 0.5, height: 14, fill: colour(decibels))
        }
        svg.rect(x: x, y: y, width: width, height: 14, fill: "none", stroke: "#444444")
        for tick in stride(from: -limitDecibels, through: limitDecibels, by: limitDecibels / 3) {
            let tx = x + width * (tick + limitDecibels) / (2 * limitDecibels)
            svg.line(x1: tx, y1: y + 14, x2: tx, y2: y + 18, stroke: "#444444")
            svg.text(SessionReport.signed(tick, 0), x: tx, y: y + 30, anchor: "middle", size: 10)
        }
    }
}

/// A region's name split into its hemisphere and the structure: `left amygdala`
/// is (`Left`, `amygdala`); a name without `left`/`right` has no hemisphere.
struct RegionName: Equatable {
    var hemisphere: String?
    var structure: String

    init(_ region: String) {
        let lower = region.lowercased()
        for (word, side) in [("left ", "Left"), ("right ", "Right")] where lower.hasPrefix(word) {
            hemisphere = side
            structure = String(region.dropFirst(word.count))
            return
        }
        hemisphere = nil
        structure = region
    }
}
