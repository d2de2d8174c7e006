import KetaMapCore

/// The one-screen summary `ketamapd` prints when a session ends.
public enum SessionSummary {
    public static func render(_ status: SessionStatus) -> String {
        var lines = [
            "KetaMap session \(status.sessionID): \(status.state.rawValue)",
            "  file      \(status.filePath) (\(StatusText.formatBytes(status.fileBytes)))",
        ]
        if let streams = status.streams, !streams.isEmpty {
            // Each stream its own line: its frames count at its own rate.
            for stream in streams {
                lines.append(
                    "  recorded  \(stream.name): \(StatusText.formatDuration(stream.recordedSeconds)) — \(stream.framesWritten) frames × \(stream.channelCount) channels at \(StatusText.format(stream.sampleRateHz, 0)) Hz")
            }
            lines.append("  from      \(status.source)")
            lines += streams.map { "  lost      \($0.name): \($0.lostFrames) frames in \($0.gapCount) gaps" }
        } else {
            lines.append(
                "  recorded  \(StatusText.formatDuration(Double(status.framesWritten) / status.sampleRateHz)) — \(status.framesWritten) frames × \(status.channelCount) channels at \(StatusText.format(status.sampleRateHz, 0)) Hz from \(status.source)")
            lines.append("  lost      \(status.lostFrames) frames in \(status.gapCount) gaps")
        }
        lines += status.doses.map { "  dose      " + DoseText.dose($0, voidedBy: status.dosing.voidedBy[$0.eventID]) }
        if status.doses.isEmpty { lines.append("  doses     none") }
        lines += DoseText.totals(status.dosing, secondsSinceLastDose: nil).map { "  total     " + $0 }
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
