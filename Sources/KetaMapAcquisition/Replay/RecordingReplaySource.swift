import KetaMapConfiguration
import KetaMapCore
import SystemPackage

/// Replays a saved `Recording` (Open Ephys, SpikeGLX, Intan or headless int16)
/// through the pipeline: the recording's names, rate and µV per count, and its
/// samples exactly as stored (bit for bit; Intan's offset-binary re-centred by
/// −32768). Sample index 0 is the file's first frame. With `loop`, the file
/// starts again at its end and the sample clock keeps counting; without,
/// `read` returns `.end`.
///
/// Frame column `i` is `montage.channels[i]`: the recording's channels in the
/// montage's order (`Recording.montage(matching:)`), with channels the
/// recording stores but KetaMap does not process (sync, digital, auxiliary)
/// left out.
///
/// Threads: `start()`, `read(into:)` and `stop()` on the acquisition thread.
/// The scratch buffer is allocated here, never per block.
public final class RecordingReplaySource: Source, @unchecked Sendable {
    public let format: SampleFormat
    public let provenance: [String: String]
    public let montage: Montage
    public let recording: Recording
    /// Frames per `read` (fewer at the end of the file or of an Intan block, or when the buffer is smaller).
    public let framesPerBlock: Int
    public let pacing: SourcePacing
    public let loop: Bool

    private let file: FileDescriptor
    /// Stored column of each frame column, in montage order.
    private let columns: [Int]
    /// The stored frames are already the replayed ones: read straight into the caller's buffer.
    private let isStoredOrder: Bool
    private var scratch: [Int16]
    /// The Intan block whose amplifier samples are in `scratch`.
    private var scratchBlock: UInt64 = .max
    private var pacer: RealTimePacer
    private var nextSample: UInt64 = 0
    private var started = false
    private var closed = false

    /// The replay `settings` describe, named by `montage` when it is given and not empty.
    public convenience init(settings: ReplaySettings, montage: Montage? = nil, framesPerBlock: Int? = nil, pacing: SourcePacing = .realTime) throws(ReplayError) {
        try self.init(recording: try Recording.open(settings), montage: montage, loop: settings.loop, framesPerBlock: framesPerBlock, pacing: pacing)
    }

    /// Opens the recording's data file. `framesPerBlock` defaults to 10 ms at the recording's rate.
    public init(recording: Recording, montage given: Montage? = nil, loop: Bool = false, framesPerBlock: Int? = nil, pacing: SourcePacing = .realTime) throws(ReplayError) {
        let (montage, channels) = try recording.montage(matching: given)
        let path = recording.dataPath
        do {
            file = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch Errno.noSuchFileOrDirectory {
            throw ReplayError(.fileMissing, path: path, message: "there is no such file", fix: "check the path")
        } catch {
            throw ReplayError(.unreadable, path: path, message: "cannot open the file (\(error))", fix: "check the file's permissions")
        }
        self.recording = recording
        self.montage = montage
        self.loop = loop
        self.pacing = pacing
        columns = channels.map(\.column)
        let blockFrames = max(1, framesPerBlock ?? Int((recording.sampleRateHz / 100).rounded()))
        switch recording.layout {
        case .interleaved(let offset, let stride):
            isStoredOrder = offset == 0 && stride == columns.count && columns.elementsEqual(0..<stride)
            scratch = isStoredOrder ? [] : [Int16](repeating: 0, count: blockFrames * stride)
            self.framesPerBlock = blockFrames
        case .intanBlocks(_, _, let samples, _, let amplifiers):
            isStoredOrder = false
            scratch = [Int16](repeating: 0, count: samples * amplifiers)
            self.framesPerBlock = min(blockFrames, samples)
        }
        let microvolts = channels.map(\.microvoltsPerCount)
        format = SampleFormat(
            channelCount: channels.count, sampleRateHz: recording.sampleRateHz,
            calibration: Calibration(voltsPerCount: microvolts[0] * 1e-6, channelGains: microvolts.map { $0 / microvolts[0] }))
        pacer = RealTimePacer(rateHz: recording.sampleRateHz)
        var provenance = recording.provenance
        provenance["source"] = "replay"
        provenance["system"] = recording.system
        provenance["stream"] = recording.stream
        provenance["file"] = path
        provenance["file_frames"] = String(recording.frameCount)
        provenance["channels"] = String(channels.count)
        provenance["sample_rate_hz"] = String(recording.sampleRateHz)
        provenance["loop"] = String(loop)
        self.provenance = provenance
    }

    deinit {
        if !closed { try? file.close() }
    }

    public func start() {
        precondition(!started, "start() is called once")
        started = true
        pacer.start()
    }

    /// Copies the next frames of the recording into `buffer`. Throws `Errno` if the file cannot be read
    /// (or shrank while it was replayed).
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws -> SourceRead {
        precondition(started, "call start() before read(into:)")
        if closed { return .end }
        let total = recording.frameCount
        if !loop && nextSample >= total { return .end }
        let position = nextSample % total
        let channels = columns.count
        var frames = min(framesPerBlock, buffer.count / channels, Int(min(total - position, UInt64(Int.max))))
        precondition(frames > 0, "the buffer holds less than one frame")
        switch recording.layout {
        case .interleaved(let offset, let stride):
            let start = offset + Int64(position) * Int64(stride) * 2
            if isStoredOrder {
                try readExactly(UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: frames * stride * 2), at: start)
                fromLittleEndian(UnsafeMutableBufferPointer(rebasing: buffer[0..<(frames * stride)]))
            } else {
                try scratch.withUnsafeMutableBufferPointer { stored in
                    try readExactly(UnsafeMutableRawBufferPointer(start: stored.baseAddress, count: frames * stride * 2), at: start)
                    fromLittleEndian(UnsafeMutableBufferPointer(rebasing: stored[0..<(frames * stride)]))
                    for frame in 0..<frames {
                        for (i, column) in columns.enumerated() { buffer[frame * channels + i] = stored[frame * stride + column] }
                    }
                }
            }
        case .intanBlocks(let offset, let blockBytes, let samples, let amplifierOffset, _):
            let block = position / UInt64(samples)
            let first = Int(position % UInt64(samples))
            frames = min(frames, samples - first)
            if block != scratchBlock {
                let start = offset + Int64(block) * Int64(blockBytes) + Int64(amplifierOffset)
                try scratch.withUnsafeMutableBufferPointer { stored in
                    try readExactly(UnsafeMutableRawBufferPointer(stored), at: start)
                    fromLittleEndian(stored)
                }
                scratchBlock = block
            }
            // Block storage is channel after channel; re-centre the offset-binary counts.
            for frame in 0..<frames {
                for (i, column) in columns.enumerated() {
                    buffer[frame * channels + i] = Int16(bitPattern: UInt16(bitPattern: scratch[column * samples + first + frame]) ^ 0x8000)
                }
            }
        }
        let firstSample = nextSample
        nextSample += UInt64(frames)
        if pacing == .realTime { pacer.wait(untilSample: nextSample) }
        return .frames(firstSample: firstSample, frameCount: frames)
    }

    /// Stops and closes the file; safe to call more than once.
    public func stop() {
        if !closed {
            closed = true
            try? file.close()
        }
    }

    private func readExactly(_ bytes: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < bytes.count {
            let n = try file.read(fromAbsoluteOffset: offset + Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: bytes[done...]))
            guard n > 0 else { throw Errno.ioError }  // the file shrank while it was replayed
            done += n
        }
    }

    private func fromLittleEndian(_ samples: UnsafeMutableBufferPointer<Int16>) {
        #if _endian(big)
        for i in samples.indices { samples[i] = Int16(littleEndian: samples[i]) }
        #endif
    }
}
