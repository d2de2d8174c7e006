import KetaMapConfiguration
import KetaMapCore

/// A headless interleaved little-endian int16 file (`[frame][channel]`, no
/// header): it says nothing about itself, so channel count, rate and µV per
/// bit come from `ReplaySettings` (`channels`, `rate`, `uv_per_bit`); the
/// channels are numbered `ch000`, `ch001`, ….
enum HeadlessReader {
    static func read(_ settings: ReplaySettings) throws(ReplayError) -> Recording {
        let path = settings.path
        guard let channels = settings.channelCount, channels > 0 else {
            throw ReplayError(.badParameters, path: path, message: "the channel count is not given", fix: "add `channels=N` (or `channels = N` in [source.replay])")
        }
        guard let rate = settings.sampleRateHz, rate > 0, rate.isFinite else {
            throw ReplayError(.badParameters, path: path, message: "the sample rate is not given", fix: "add `rate=HZ` (or `sample_rate_hz` in [source.replay])")
        }
        guard let microvolts = settings.microvoltsPerBit, microvolts > 0, microvolts.isFinite else {
            throw ReplayError(.badParameters, path: path, message: "the µV per bit is not given", fix: "add `uv_per_bit=X` (0.195 for Intan, see the recording's metadata)")
        }
        switch ReplayFiles.kind(path) {
        case .missing:
            throw ReplayError(.fileMissing, path: path, message: "there is no such file", fix: "check the path (relative paths are relative to the config file or the working directory)")
        case .file: break
        default:
            throw ReplayError(.unreadable, path: path, message: "is not a regular file", fix: "a headless replay reads one int16 file")
        }
        let size = try ReplayFiles.size(path)
        let frameBytes = 2 * channels
        guard size > 0 else { throw ReplayError(.empty, path: path, message: "the file is empty", fix: "replay a file that holds samples") }
        guard size % Int64(frameBytes) == 0 else {
            var fix = "check `channels`: a file of \(size) bytes holds whole frames of "
            let candidates = [1, 2, 4, 8, 16, 32, 64, 96, 128, 192, 256, 384, 385, 512].filter { size % Int64($0 * 2) == 0 }
            fix += candidates.isEmpty ? "no usual channel count" : candidates.map(String.init).joined(separator: ", ") + " channels (among usual counts)"
            fix += "; a file with a header (e.g. Intan .rhd, Open Ephys .continuous) is not a raw int16 file"
            throw ReplayError(
                .partialFrame, path: path,
                message: "\(size) bytes is not a whole number of \(channels)-channel frames (\(frameBytes) bytes each): "
                    + "\(size / Int64(frameBytes)) frames and \(size % Int64(frameBytes)) bytes left over",
                fix: fix)
        }
        let names = Montage.numbered(count: channels).channels.map(\.name)
        return Recording(
            system: "headless", stream: "int16", dataPath: path, layout: .interleaved(offset: 0, channelsPerFrame: channels),
            frameCount: UInt64(size / Int64(frameBytes)), sampleRateHz: rate,
            channels: names.enumerated().map { Recording.Channel(name: $1, column: $0, microvoltsPerCount: microvolts) },
            provenance: ["format": "interleaved int16 little-endian, no header", "microvolts_per_bit": String(microvolts)])
    }
}
