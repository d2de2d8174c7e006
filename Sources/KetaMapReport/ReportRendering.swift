import Foundation
import KetaMapControl

extension SessionReport {
    /// The report as text: a header naming the dose and the windows, then one
    /// row per region with the change of each band (dB) and of the spike rate.
    public func text() -> String {
        var lines = [
            (dose == nil ? "Time 0: " : "Dose: ") + alignmentDescription,
            "Baseline \(StatusText.formatDuration(baseline.lowerBound))–\(StatusText.formatDuration(baseline.upperBound)), window \(StatusText.formatDuration(window.lowerBound))–\(StatusText.formatDuration(window.upperBound)); band power change in dB, spike rate change in %; [95 % interval], * where it excludes 0",
        ]
        lines += notes.map { "note: \($0)" }
        lines.append("")
        lines.append(table().render())
        lines.append("")
        lines.append("Band power: \(bandPower).")
        lines.append("Intervals: \(uncertainty).")
        if regions.contains(where: \.isBoundary) {
            lines.append("Rows `A | B`: bipolar pairs across two regions (boundary pairs), counted in neither region.")
        }
        return lines.joined(separator: "\n")
    }

    /// One row per region: region, channels, each band's change in dB with its
    /// 95 % interval (`*` when it excludes 0), the effective rows, spike rates.
    public func table(decimals: Int = 2) -> Table {
        let header = ["region", "channels"] + bands.map { "\($0) dB [95 %]" } + ["eff. rows base/win", "spikes/s before", "spikes/s after", "spike change % [95 %]"]
        let rows = regions.map { region in
            [region.region, "\(region.channelCount)"]
                + region.bandChangeDecibels.indices.map { Self.cell(region.bandChangeDecibels[$0], region.bandIntervals[$0], decimals) }
                + [
                    Self.effectiveRows(region.effectiveSamples),
                    region.spikeRateBaseline.map { StatusText.format($0, 2) } ?? "",
                    region.spikeRateWindow.map { StatusText.format($0, 2) } ?? "",
                    region.spikeRateChangePercent.map { Self.cell($0, region.spikeRateChangeInterval ?? .unknown, 1) } ?? "",
                ]
        }
        return Table(header: header, rows: rows)
    }

    /// The map as tidy rows, one per region and measure (each band, and the
    /// spike rate): change, 95 % interval, significance, effective rows.
    public func csvTable() -> Table {
        let header = ["region", "channels", "measure", "unit", "change", "low", "high", "significant", "effective_rows_baseline", "effective_rows_window", "before", "after"]
        func number(_ value: Double?, _ decimals: Int = 4) -> String { value.map { $0.isNaN ? "" : StatusText.format($0, decimals) } ?? "" }
        var rows: [[String]] = []
        for region in regions {
            for (band, name) in bands.enumerated() {
                let interval = region.bandIntervals[band]
                rows.append([
                    region.region, "\(region.channelCount)", name, "dB", number(region.bandChangeDecibels[band]), number(interval.low), number(interval.high),
                    interval.excludesZero ? "true" : "false", number(region.effectiveSamples[band].baseline, 1), number(region.effectiveSamples[band].window, 1), "", "",
                ])
            }
            if let before = region.spikeRateBaseline, let after = region.spikeRateWindow {
                let interval = region.spikeRateChangeInterval ?? .unknown
                rows.append([
                    region.region, "\(region.channelCount)", "spike_rate", "%", number(region.spikeRateChangePercent, 2), number(interval.low, 2), number(interval.high, 2),
                    interval.excludesZero ? "true" : "false", "", "", number(before), number(after),
                ])
            }
        }
        return Table(header: header, rows: rows)
    }

    /// `+2.01 [+1.62 +2.40]*`: a change, its interval, `*` when the interval excludes 0.
    static func cell(_ value: Double, _ interval: ChangeInterval, _ decimals: Int) -> String {
        guard !value.isNaN else { return "" }
        let range = interval.low.isNaN ? "" : " [\(signed(interval.low, decimals)) \(signed(interval.high, decimals))]"
        return signed(value, decimals) + range + (interval.excludesZero ? "*" : "")
    }

    /// The smallest effective baseline and window rows over the bands, e.g. `118/305`.
    static func effectiveRows(_ samples: [EffectiveSamples]) -> String {
        guard !samples.isEmpty else { return "" }
        return "\(Int(samples.map(\.baseline).min()!.rounded()))/\(Int(samples.map(\.window).min()!.rounded()))"
    }

    static func signed(_ value: Double, _ decimals: Int) -> String {
        (value > 0 ? "+" : "") + StatusText.format(value, decimals)
    }
}
