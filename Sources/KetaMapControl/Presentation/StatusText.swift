import Foundation
import KetaMapCore

/// The one-screen text of `ketamapctl status`: session line, buffers, doses,
/// then one row per channel with its health.
public enum StatusText {
    public static func render(_ status: SessionStatus) -> String {
        var lines: [String] = []
        lines.append("session \(status.sessionID)  \(status.state.rawValue)  source \(status.source)  \(status.channelCount) ch @ \(format(status.sampleRateHz, 0)) Hz")
        lines.append("file    \(status.filePath)  \(formatBytes(status.fileBytes))  \(status.framesWritten) frames stored")
        lines.append("clock   sample \(status.newestSample)  (\(formatDuration(status.recordedSeconds)))  lost \(status.lostFrames) frames in \(status.gapCount) gaps")
        for buffer in status.buffers {
            let percent = 100 * Double(buffer.highWaterFrames) / Double(max(1, buffer.capacityFrames))
            lines.append("buffer  \(pad(buffer.consumer, 10)) backlog \(buffer.backlogFrames)  high-water \(buffer.highWaterFrames) (\(format(percent, 1)) % of ring)")
        }
        if status.droppedFeatureRows > 0 { lines.append("WARNING \(status.droppedFeatureRows) feature rows dropped (recorder behind)") }
        lines += DoseText.statusLines(status)
        if status.marks > 0 { lines.append("marks   \(status.marks)") }
        if let fault = status.fault { lines.append("FAULT   \(fault)") }
        if !status.channels.isEmpty {
            lines.append("")
            lines.append(renderChannels(status.channels))
        }
        return lines.joined(separator: "\n")
    }

    /// One row per channel: name, region, RMS, line-noise share, spike rate and flags.
    public static func renderChannels(_ channels: [ChannelStatus]) -> String {
        var lines = ["\(pad("channel", 10)) \(pad("region", 28)) \(lpad("RMS µV", 8)) \(lpad("line %", 7)) \(lpad("spikes/s", 9))  flags"]
        for channel in channels {
            var flags: [String] = []
            if channel.isFlat { flags.append("FLAT") }
            if channel.isSaturated { flags.append("SATURATED") }
            if channel.lineNoiseShare > 0.5 { flags.append("LINE-NOISE") }
            let rate = channel.spikeRatePerSecond.map { format($0, 1) } ?? "-"
            lines.append(
                "\(pad(channel.name, 10)) \(pad(channel.region, 28)) \(lpad(format(channel.rmsMicrovolts, 1), 8)) \(lpad(format(100 * channel.lineNoiseShare, 1), 7)) \(lpad(rate, 9))  \(flags.joined(separator: " "))")
        }
        return lines.joined(separator: "\n")
    }

    public static func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

    public static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }

    public static func lpad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    public static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e12 else { return "\(seconds) s" }  // checked before the integer conversion
        let total = Int(seconds.rounded(.down))
        return String(format: "%d:%02d:%02d.%01d", total / 3600, total / 60 % 60, total % 60, Int((seconds - Double(total)) * 10))
    }

    public static func formatBytes(_ bytes: UInt64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return "\(format(value, unit == 0 ? 0 : 1)) \(units[unit])"
    }
}
