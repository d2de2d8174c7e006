import KetaMapCore

/// The one-screen summary `ketamapd` prints when a session ends.
public enum SessionSummary {
    public static func render(_ status: SessionStatus) -> String {
        var lines = [
            "KetaMap session \(status.sessionID): \(status.state.rawValue)",
            "  file      \(status.filePath) (\(StatusText.formatBytes(status.fileBytes)))",
            "  recorded  \(StatusText.formatDuration(Double(status.framesWritten) / status.sampleRateHz)) — \(status.framesWritten) frames × \(status.channelCount) channels at \(StatusText.format(status.sampleRateHz, 0)) Hz from \(status.source)",
            "  lost      \(status.lostFrames) frames in \(status.gapCount) gaps",
        ]
        for dose in status.doses {
            let request = dose.request
            let over = request.overSeconds.map { " over \(StatusText.formatDuration($0))" } ?? ""
            lines.append("  dose      \(request.drug) \(StatusText.format(request.amount, 3)) \(request.unit.rawValue) \(request.route.rawValue)\(over) at \(StatusText.formatDuration(dose.startSeconds)) (sample \(dose.sampleIndex))")
        }
        if status.doses.isEmpty { lines.append("  doses     none") }
        if status.marks > 0 { lines.append("  marks     \(status.marks)") }
        let flat = status.channels.filter(\.isFlat).map(\.name)
        let saturated = status.channels.filter(\.isSaturated).map(\.name)
        if !flat.isEmpty { lines.append("  flat      \(flat.joined(separator: " "))") }
        if !saturated.isEmpty { lines.append("  saturated \(saturated.joined(separator: " "))") }
        if let fault = status.fault { lines.append("  FAULT     \(fault)") }
        lines.append("  next      ketamapctl report \(status.filePath)")
        return lines.joined(separator: "\n")
    }
}
