import KetaMapControl

extension SessionStatus {
    /// The one line `systemctl status` shows (`STATUS=`), short enough for its
    /// width: state, channels and rate, elapsed, samples, lost, doses, file
    /// size, hours of disk left, and the stalled stages when there are any.
    ///
    /// `recording · 108 ch @ 30000 Hz · 0:12:04.5 · 21735000 samples · lost 0 · 1 dose · 2.1 GB · disk 41.3 h`
    /// (with several streams `72 ch: seeg 64 @ 2000 Hz + micro 8 @ 30000 Hz · …`, the samples the first stream's)
    func systemdStatusLine(stalled: [StageKey] = []) -> String {
        var parts = [
            stalled.isEmpty ? state.rawValue : "STALLED " + stalled.map(\.description).joined(separator: ", "),
            StatusText.channelsAndRates(self),
            StatusText.formatDuration(recordedSeconds),
            "\(newestSample) samples",
            lostFrames > 0 ? "LOST \(lostFrames) in \(gapCount) gaps" : "lost 0",
            doses.count == 1 ? "1 dose" : "\(doses.count) doses",
            StatusText.formatBytes(fileBytes),
        ]
        if let hours = diskHoursLeft { parts.append("disk \(StatusText.format(hours, 1)) h") }
        return parts.joined(separator: " · ")
    }
}
