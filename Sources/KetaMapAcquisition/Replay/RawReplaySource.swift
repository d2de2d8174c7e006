import KetaMapCore
import SystemPackage
import KetaMapConfiguration

/// Replays a raw interleaved `Int16` recording: frames `[frame][channel]`,
/// little-endian, no header — the layout of Open Ephys binary `continuous.dat`,
/// SpikeGLX `.bin` and Intan "one file per signal type" `amplifier.dat`.
/// The file says nothing about itself, so channel count, rate and µV per bit
/// come from `ReplaySettings` (config `[source.replay]` or
/// `--source replay:PATH?channels=N&rate=HZ&uv_per_bit=X[&loop]`).
///
/// The samples are handed out exactly as stored (bit for bit); sample index 0
/// is the file's first frame. With `loop`, the file starts again at its end
/// and the sample clock keeps counting; without, `read` returns `.end`.
///
/// Threads: `start()`, `read(into:)` and `stop()` on the acquisition thread.
public final class RawReplaySource: Source, @unchecked Sendable {
    public let format: SampleFormat
    public let provenance: [String: String]
    /// The given montage, or `Montage.numbered(count:)` (all microwires).
    public let montage: Montage
    public let settings: ReplaySettings
    /// Frames per `read` (fewer at the end of the file or when the buffer is smaller).
    public let framesPerBlock: Int
    public let pacing: SourcePacing
    /// Frames in the file.
    public let fileFrames: UInt64

    private let file: FileDescriptor
    private let frameBytes: Int
    private var pacer: RealTimePacer
    private var nextSample: UInt64 = 0
    private var started = false
    private var stopped = false
    private var closed = false

    /// The replay a configuration describes: `[source.replay]` (which must be present and name a raw file),
    /// its montage (or numbered channels when it has none) and block size.
    public convenience init(configuration: Configuration, pacing: SourcePacing = .realTime) throws(ReplayError) {
        guard let settings = configuration.source.replay else {
            throw ReplayError(
                .badParameters, path: "(none)", message: "the configuration has no [source.replay]",
                fix: "add [source.replay] with path, channels, sample_rate_hz and uv_per_bit, or use --source replay:PATH?…")
        }
        let montage = configuration.montage.channels.isEmpty ? nil : configuration.montage
        try self.init(settings: settings, montage: montage, framesPerBlock: configuration.source.blockFrames, pacing: pacing)
    }

    /// Opens `settings.path` and checks it against the channel count (and `montage`, when given).
    /// `framesPerBlock` defaults to 10 ms at the file's rate.
    public init(settings: ReplaySettings, montage: Montage? = nil, framesPerBlock: Int? = nil, pacing: SourcePacing = .realTime) throws(ReplayError) {
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
        if let montage, montage.channels.count != channels {
            throw ReplayError(
                .montageMismatch, path: path, message: "the montage lists \(montage.channels.count) channels but the file is read as \(channels) channels",
                fix: "give a montage with one row per channel of the file, or correct `channels`")
        }
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch Errno.noSuchFileOrDirectory {
            throw ReplayError(.fileMissing, path: path, message: "there is no such file", fix: "check the path (relative paths are relative to the config file or the working directory)")
        } catch {
            throw ReplayError(.unreadable, path: path, message: "cannot open the file (\(error))", fix: "check the file's permissions")
        }
        let size: Int64
        do {
            size = try descriptor.seek(offset: 0, from: .end)
        } catch {
            try? descriptor.close()
            throw ReplayError(.unreadable, path: path, message: "cannot find the file's size (\(error))", fix: "replay a regular file, not a pipe or device")
        }
        frameBytes = channels * MemoryLayout<Int16>.size
        guard size > 0 else {
            try? descriptor.close()
            throw ReplayError(.empty, path: path, message: "the file is empty", fix: "replay a file that holds samples")
        }
        guard size % Int64(frameBytes) == 0 else {
            try? descriptor.close()
            let frames = size / Int64(frameBytes)
            let rest = size % Int64(frameBytes)
            var fix = "check `channels`: a file of \(size) bytes holds whole frames of "
            let candidates = [1, 2, 4, 8, 16, 32, 64, 96, 128, 192, 256, 384, 385, 512].filter { size % Int64($0 * 2) == 0 }
            fix += candidates.isEmpty ? "no usual channel count" : candidates.map(String.init).joined(separator: ", ") + " channels (among usual counts)"
            fix += "; a file with a header (e.g. Intan .rhd, Open Ephys .continuous) is not a raw int16 file"
            throw ReplayError(
                .partialFrame, path: path,
                message: "\(size) bytes is not a whole number of \(channels)-channel frames (\(frameBytes) bytes each): \(frames) frames and \(rest) bytes left over",
                fix: fix)
        }
        file = descriptor
        fileFrames = UInt64(size) / UInt64(frameBytes)
        self.settings = settings
        self.montage = montage ?? .numbered(count: channels)
        self.pacing = pacing
        self.framesPerBlock = framesPerBlock ?? max(1, Int((rate / 100).rounded()))
        format = SampleFormat(
            channelCount: channels, sampleRateHz: rate,
            calibration: Calibration(voltsPerCount: microvolts * 1e-6, channelGains: Array(repeating: 1, count: channels)))
        pacer = RealTimePacer(rateHz: rate)
        provenance = [
            "source": "replay", "file": path, "layout": "interleaved int16 little-endian, no header",
            "file_bytes": String(size), "file_frames": String(UInt64(size) / UInt64(frameBytes)), "channels": String(channels),
            "sample_rate_hz": String(rate), "microvolts_per_bit": String(microvolts), "loop": String(settings.loop),
        ]
    }

    deinit {
        if !closed { try? file.close() }
    }

    public func start() {
        precondition(!started, "start() is called once")
        started = true
        pacer.start()
    }

    /// Copies the next frames of the file into `buffer`. Throws `Errno` if the file cannot be read.
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws -> SourceRead {
        precondition(started, "call start() before read(into:)")
        if stopped { return .end }
        let channels = format.channelCount
        if !settings.loop && nextSample >= fileFrames { return .end }
        let position = nextSample % fileFrames
        let frames = min(framesPerBlock, buffer.count / channels, Int(fileFrames - position))
        precondition(frames > 0, "the buffer holds less than one frame")
        let bytes = UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: frames * frameBytes)
        var done = 0
        while done < bytes.count {
            let n = try file.read(
                fromAbsoluteOffset: Int64(position) * Int64(frameBytes) + Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: bytes[done...]))
            guard n > 0 else {
                throw Errno.ioError  // the file shrank while it was replayed
            }
            done += n
        }
        #if _endian(big)
        for i in 0..<(frames * channels) { buffer[i] = Int16(littleEndian: buffer[i]) }
        #endif
        let first = nextSample
        nextSample += UInt64(frames)
        if pacing == .realTime { pacer.wait(untilSample: nextSample) }
        return .frames(firstSample: first, frameCount: frames)
    }

    /// Stops and closes the file; safe to call more than once.
    public func stop() {
        stopped = true
        if !closed {
            closed = true
            try? file.close()
        }
    }
}
