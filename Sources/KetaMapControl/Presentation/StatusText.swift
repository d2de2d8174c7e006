import Foundation
import KetaMapCore

/// The text of `ketamapctl status` and `check`, most urgent first: the
/// session's state, file, disk and losses; every flagged channel; one line
/// per shaft; then (on request) one row per channel.
public enum StatusText {
    /// The whole status: `screen` lines, then the full channel table.
    public static func render(_ status: SessionStatus) -> String {
        var lines = screen(status)
        if !status.channels.isEmpty { lines += [""] + channelTable(status.channels, bands: status.bands) }
        return lines.joined(separator: "\n")
    }

    /// What `--watch` redraws, fitted to `columns` × `rows`: the session lines
    /// and every flagged channel first (packed several to a line), then one
    /// line per shaft for as many rows as are left. One row stays free, so the
    /// screen never scrolls.
    public static func watchScreen(_ status: SessionStatus, columns: Int, rows: Int) -> [String] {
        var lines = sessionLines(status).map { fit($0, columns) }
        var flags = packedFlags(status.channels, columns: columns)
        let flagRoom = rows - 1 - lines.count
        if flags.count > flagRoom, flagRoom >= 2 {
            let hidden = flags[(flagRoom - 1)...].joined().split(separator: " ").filter { $0.contains("NOISY") || $0.contains("FLAT") || $0.contains("SATURATED") }.count
            flags = Array(flags.prefix(flagRoom - 1)) + ["  … \(hidden) more flagged: `ketamapctl status` lists them all"]
        }
        lines += flags
        let shafts = shaftLines(status.channels).map { fit($0, columns) }
        let room = rows - 1 - lines.count - 1
        if room >= shafts.count {
            lines += [""] + shafts
        } else if room >= 2 {
            lines += [""] + shafts.prefix(room - 1) + ["… \(shafts.count - room + 1) more shafts: `ketamapctl status` shows all"]
        }
        return Array(lines.prefix(max(1, rows - 1)))
    }

    /// `flagged 7 of 108:` then `LA3 NOISY 51%`-style entries, as many to a line as fit.
    static func packedFlags(_ channels: [ChannelStatus], columns: Int) -> [String] {
        let flagged = channels.filter { !$0.flags.isEmpty }
        var lines = [flagged.isEmpty ? "flagged none of \(channels.count) channels" : "flagged \(flagged.count) of \(channels.count) channels:"]
        var line = " "
        for channel in flagged {
            var entry = "\(channel.name) \(channel.flags.map(\.rawValue).joined(separator: "+"))"
            if channel.flags.contains(.noisy) {
                entry += channel.lineNoiseShare >= ChannelHealth.noisyLineShare
                    ? " line \(format(100 * channel.lineNoiseShare, 0))%" : " \(format(channel.rmsMicrovolts, 0)) µV"
            }
            if line.count + 2 + entry.count > columns && line.count > 1 {
                lines.append(line)
                line = " "
            }
            line += " " + entry + " "
        }
        if line.count > 1 { lines.append(fit(line, columns)) }
        return lines
    }

    /// Session lines, flagged channels, shafts: everything but the channel table.
    static func screen(_ status: SessionStatus) -> [String] {
        sessionLines(status) + flaggedLines(status.channels) + [""] + shaftLines(status.channels)
    }

    static func sessionLines(_ status: SessionStatus) -> [String] {
        var lines: [String] = []
        lines.append(
            "session \(status.sessionID)  \(status.state.rawValue.uppercased())  \(formatDuration(status.recordedSeconds))  \(channelsAndRates(status))  \(status.source)")
        let frames = status.streams == nil ? "  \(status.framesWritten) frames" : ""  // several streams: each on its line below
        lines.append("file    \(formatBytes(status.fileBytes))\(frames)  \(status.filePath)")
        if let free = status.diskFreeBytes {
            let hours = status.diskHoursLeft.map { "\(format($0, 1)) h left" } ?? "time left unknown"
            lines.append("disk    \(formatBytes(free)) free, \(hours) at \(formatBytes(status.bytesPerSecond))/s")
        }
        let backlog = status.buffers.map { buffer in
            "\(buffer.consumer) \(format(100 * Double(buffer.highWaterFrames) / Double(max(1, buffer.capacityFrames)), 1)) %"
        }
        let lost = status.lostFrames > 0 ? "LOST \(status.lostFrames) frames in \(status.gapCount) gaps" : "lost 0 frames"
        lines.append("clock   sample \(status.newestSample)  \(lost)" + (backlog.isEmpty ? "" : "  ring high-water: " + backlog.joined(separator: ", ")))
        for stream in status.streams ?? [] {
            let lost = stream.lostFrames > 0 ? "LOST \(stream.lostFrames) frames in \(stream.gapCount) gaps" : "lost 0 frames"
            lines.append("stream  \(stream.name)  sample \(stream.newestSample)  \(stream.framesWritten) frames in the file  \(lost)")
        }
        if status.droppedFeatureRows > 0 { lines.append("WARNING \(status.droppedFeatureRows) feature rows dropped (recorder behind)") }
        lines += DoseText.statusLines(status)
        if status.marks > 0 { lines.append("marks   \(status.marks)") }
        if let fault = status.fault { lines.append("FAULT   \(fault)") }
        return lines
    }

    /// `flagged 2 of 108`, then one line per flagged channel with the figure that flagged it.
    static func flaggedLines(_ channels: [ChannelStatus]) -> [String] {
        let flagged = channels.filter { !$0.flags.isEmpty }
        guard !flagged.isEmpty else { return ["flagged none of \(channels.count) channels"] }
        return ["flagged \(flagged.count) of \(channels.count) channels"] + flagged.map { channel in
            let flags = channel.flags.map(\.rawValue).joined(separator: " ")
            return "  \(pad(channel.name, 8)) \(pad(flags, 15)) line \(lpad(format(100 * channel.lineNoiseShare, 1), 5)) %  RMS \(lpad(format(channel.rmsMicrovolts, 1), 7)) µV  \(channel.region)"
        }
    }

    /// One line per shaft: contacts, flagged, median RMS, the worst line-noise
    /// share, then the regions its contacts are in (last, so they are never cut
    /// short by a column).
    static func shaftLines(_ channels: [ChannelStatus]) -> [String] {
        var order: [String] = []
        var byShaft: [String: [ChannelStatus]] = [:]
        for channel in channels {
            if byShaft[channel.shaft] == nil { order.append(channel.shaft) }
            byShaft[channel.shaft, default: []].append(channel)
        }
        var lines = ["\(pad("shaft", 6)) \(lpad("ch", 3)) \(lpad("flag", 4)) \(lpad("RMS µV", 7)) \(lpad("line %", 6))  regions"]
        for shaft in order {
            let members = byShaft[shaft] ?? []
            var regions: [String] = []
            for member in members where !regions.contains(member.region) { regions.append(member.region) }
            let rms = ChannelHealth.median(members.map(\.rmsMicrovolts)).map { format($0, 1) } ?? "-"
            let line = members.map(\.lineNoiseShare).max().map { format(100 * $0, 1) } ?? "-"
            lines.append(
                "\(pad(shaft, 6)) \(lpad("\(members.count)", 3)) \(lpad("\(members.filter { !$0.flags.isEmpty }.count)", 4)) \(lpad(rms, 7)) \(lpad(line, 6))  \(regions.joined(separator: ", "))")
        }
        return lines
    }

    /// One row per channel: name, shaft, RMS, line-noise share, spike rate,
    /// flags, band powers (dB re 1 µV²), and the region last.
    public static func channelTable(_ channels: [ChannelStatus], bands: [String]) -> [String] {
        let bandHeader = bands.map { lpad(String($0.prefix(6)), 7) }.joined()
        var lines = ["\(pad("channel", 9)) \(pad("shaft", 6)) \(lpad("RMS µV", 7)) \(lpad("line %", 6)) \(lpad("spk/s", 6)) \(pad("flags", 15))\(bandHeader)\(bands.isEmpty ? "" : " dB")  region"]
        for channel in channels {
            let rate = channel.spikeRatePerSecond.map { format($0, 1) } ?? "-"
            let powers = channel.bandPowerDecibels.map { lpad($0.map { format($0, 1) } ?? "-", 7) }.joined()
            lines.append(
                "\(pad(channel.name, 9)) \(pad(channel.shaft, 6)) \(lpad(format(channel.rmsMicrovolts, 1), 7)) \(lpad(format(100 * channel.lineNoiseShare, 1), 6)) \(lpad(rate, 6)) \(pad(channel.flags.map(\.rawValue).joined(separator: " "), 15))\(powers)\(bands.isEmpty ? "" : "   ")  \(channel.region)")
        }
        return lines
    }

    /// `ketamapctl check`: flagged channels, shafts, the full table and the verdict.
    public static func renderCheck(_ report: ChannelCheckReport) -> String {
        var lines = flaggedLines(report.channels) + [""] + shaftLines(report.channels) + [""]
        lines += channelTable(report.channels, bands: report.bands) + [""]
        for stream in report.streams ?? [] {
            lines.append("stream \(stream.name): \(stream.channelCount) channels at \(format(stream.sampleRateHz, 0)) Hz, \(stream.framesWritten) frames, lost \(stream.lostFrames)")
        }
        switch report.verdict {
        case .allGood: lines.append("all \(report.channels.count) channels look alive")
        case .channelFlagged: lines.append("check these channels: \(report.channels.filter { !$0.flags.isEmpty }.map(\.name).joined(separator: " "))")
        case .samplesLost, .notReachable: lines.append("LOST \(report.lostFrames) frames during the \(format(report.seconds, 0)) s check: the machine or the buffer cannot keep up")
        }
        return lines.joined(separator: "\n")
    }

    /// Channels and rates: `108 ch @ 30000 Hz`, or for several streams
    /// `72 ch: seeg 64 @ 2000 Hz + micro 8 @ 30000 Hz`.
    public static func channelsAndRates(_ status: SessionStatus) -> String {
        guard let streams = status.streams, !streams.isEmpty else { return "\(status.channelCount) ch @ \(format(status.sampleRateHz, 0)) Hz" }
        return "\(status.channelCount) ch: " + streams.map { "\($0.name) \($0.channelCount) @ \(format($0.sampleRateHz, 0)) Hz" }.joined(separator: " + ")
    }

    public static func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

    /// `text` cut to `columns` characters (a terminal line that never wraps).
    static func fit(_ text: String, _ columns: Int) -> String { text.count > columns ? String(text.prefix(columns)) : text }

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

    /// A byte count computed in floating point (a budget, free space): past `UInt64` it is said as it is.
    public static func formatBytes(_ bytes: Double) -> String {
        guard bytes.isFinite, bytes >= 0, bytes < 1.8e19 else { return "\(bytes) B" }  // checked before the integer conversion
        return formatBytes(UInt64(bytes))
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
