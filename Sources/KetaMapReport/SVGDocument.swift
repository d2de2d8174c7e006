import Foundation

/// A standalone SVG document built element by element (the report's pictures).
/// Coordinates are in pixels, y downwards.
struct SVGDocument {
    private var parts: [String] = []
    let width: Double
    let height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
        parts.append(#"<rect width="100%" height="100%" fill="white"/>"#)
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil, strokeWidth: Double = 1, opacity: Double = 1) {
        let outline = stroke.map { #" stroke="\#($0)" stroke-width="\#(Self.number(strokeWidth))""# } ?? ""
        let alpha = opacity < 1 ? #" fill-opacity="\#(Self.number(opacity))""# : ""
        parts.append(#"<rect x="\#(Self.number(x))" y="\#(Self.number(y))" width="\#(Self.number(width))" height="\#(Self.number(height))" fill="\#(fill)"\#(alpha)\#(outline)/>"#)
    }

    mutating func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double = 12, bold: Bool = false, fill: String = "black") {
        let weight = bold ? #" font-weight="bold""# : ""
        parts.append(#"<text x="\#(Self.number(x))" y="\#(Self.number(y))" text-anchor="\#(anchor)" font-size="\#(Self.number(size))" fill="\#(fill)"\#(weight)>\#(Self.escape(content))</text>"#)
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dashed: Bool = false) {
        let dash = dashed ? #" stroke-dasharray="4 3""# : ""
        parts.append(#"<line x1="\#(Self.number(x1))" y1="\#(Self.number(y1))" x2="\#(Self.number(x2))" y2="\#(Self.number(y2))" stroke="\#(stroke)" stroke-width="\#(Self.number(width))"\#(dash)/>"#)
    }

    /// A line through `points`; NaN values break it.
    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 1.5) {
        var runs: [[(x: Double, y: Double)]] = [[]]
        for point in points {
            if point.x.isNaN || point.y.isNaN { runs.append([]) } else { runs[runs.count - 1].append(point) }
        }
        for run in runs where run.count > 1 {
            let list = run.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
            parts.append(#"<polyline points="\#(list)" fill="none" stroke="\#(stroke)" stroke-width="\#(Self.number(width))"/>"#)
        }
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String = "black", strokeWidth: Double = 0.5) {
        parts.append(#"<circle cx="\#(Self.number(cx))" cy="\#(Self.number(cy))" r="\#(Self.number(r))" fill="\#(fill)" stroke="\#(stroke)" stroke-width="\#(Self.number(strokeWidth))"/>"#)
    }

    mutating func ellipse(cx: Double, cy: Double, rx: Double, ry: Double, fill: String, stroke: String) {
        parts.append(#"<ellipse cx="\#(Self.number(cx))" cy="\#(Self.number(cy))" rx="\#(Self.number(rx))" ry="\#(Self.number(ry))" fill="\#(fill)" stroke="\#(stroke)" stroke-width="1.5"/>"#)
    }

    /// The finished document.
    func render() -> String {
        ([#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width.rounded(.up)))" height="\#(Int(height.rounded(.up)))" font-family="sans-serif" font-size="12">"#]
            + parts + ["</svg>"]).joined(separator: "\n")
    }

    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
