import KetaMapAcquisition
import KetaMapCore
import KetaMapStorage

/// Replays a KetaMap session file through the pipeline: its raw samples,
/// calibration and montage, paced in real time or as fast as possible,
/// optionally looping. The file is read with `NWBSessionReader` (the storage
/// module is the only one that touches HDF5).
///
/// Acquisition thread only, like every `Source`.
final class SessionFileSource: Source, @unchecked Sendable {
    let format: SampleFormat
    let montage: Montage
    let provenance: [String: String]
    private let reader: NWBSessionReader
    private let loop: Bool
    private let pacing: SourcePacing
    private var pacer: RealTimePacer
    /// Next sample index handed out, and the matching frame of the file.
    private var next: UInt64 = 0

    init(path: String, loop: Bool, pacing: SourcePacing) throws {
        reader = try NWBSessionReader(path: path)
        guard reader.frameCount > 0 else { throw SourceSpecError(text: "replay:\(path)", reason: "the session file holds no samples") }
        guard reader.streams.count == 1 else {
            let names = reader.streams.compactMap(\.name).joined(separator: ", ")
            throw SourceSpecError(text: "replay:\(path)", reason: "the session file holds several streams (\(names)); replay one stream's recording per [[stream]] instead")
        }
        format = reader.format
        montage = reader.montage
        provenance = ["source": "replay", "replayed_file": path, "loop": "\(loop)"]
        self.loop = loop
        self.pacing = pacing
        pacer = RealTimePacer(rateHz: reader.format.sampleRateHz)
    }

    func start() throws { pacer.start() }

    func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws -> SourceRead {
        let total = reader.frameCount
        let position = next % total
        if !loop && next >= total { return .end }
        let frames = Int(min(UInt64(buffer.count / format.channelCount), total - position))
        try reader.readRaw(firstFrame: position, frameCount: frames, into: buffer)
        let first = next
        next += UInt64(frames)
        if pacing == .realTime { pacer.wait(untilSample: next) }
        return .frames(firstSample: first, frameCount: frames)
    }

    func stop() {}
}
