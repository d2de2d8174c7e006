/// A saved recording as KetaMap replays it: where the samples are, how they
/// are laid out, and what the recording's own metadata says about them
/// (channel names, rate, µV per count). Made by one reader per format
/// (`OpenEphysBinaryReader`, `SpikeGLXReader`, `IntanReader`, `HeadlessReader`),
/// replayed by `RecordingReplaySource`.
public struct Recording: Sendable, Equatable {
    /// How the samples sit in the data file.
    public enum Layout: Sendable, Equatable {
        /// Interleaved little-endian int16 frames of `channelsPerFrame` samples,
        /// starting at byte `offset` (Open Ephys `continuous.dat`, SpikeGLX `.bin`,
        /// Intan `amplifier.dat`, a headless file).
        case interleaved(offset: Int64, channelsPerFrame: Int)
        /// Intan's traditional `.rhd`: after the header, data blocks of
        /// `blockBytes` bytes, each holding `samplesPerBlock` samples of every
        /// amplifier channel as offset-binary uint16, channel after channel,
        /// from byte `amplifierOffset` of the block.
        case intanBlocks(offset: Int64, blockBytes: Int, samplesPerBlock: Int, amplifierOffset: Int, amplifierChannels: Int)
    }

    /// One replayed channel.
    public struct Channel: Sendable, Equatable {
        /// The recording's name for it (`CH1`, `AP0`, `A-000`).
        public var name: String
        /// Column of the channel in a stored frame (its index among the amplifier channels for Intan blocks).
        public var column: Int
        /// µV per count of the stored integer, from the recording's metadata.
        public var microvoltsPerCount: Double

        public init(name: String, column: Int, microvoltsPerCount: Double) {
            self.name = name
            self.column = column
            self.microvoltsPerCount = microvoltsPerCount
        }
    }

    /// `Open Ephys`, `SpikeGLX`, `Intan` or `headless`.
    public var system: String
    /// The stream replayed (`Rhythm_FPGA-100.0`, `imec0.ap`, `amplifier`…), for provenance and status.
    public var stream: String
    /// The file the samples are read from.
    public var dataPath: String
    public var layout: Layout
    /// Frames in the data file.
    public var frameCount: UInt64
    /// Hz, from the recording's metadata.
    public var sampleRateHz: Double
    /// The channels replayed, in the recording's order; stored channels that are
    /// not neural signals (a sync word, digital lines, auxiliary inputs) are left out.
    public var channels: [Channel]
    /// What was read from where, and what was left out: written to the session file.
    public var provenance: [String: String]

    public init(
        system: String, stream: String, dataPath: String, layout: Layout, frameCount: UInt64, sampleRateHz: Double, channels: [Channel],
        provenance: [String: String]
    ) {
        self.system = system
        self.stream = stream
        self.dataPath = dataPath
        self.layout = layout
        self.frameCount = frameCount
        self.sampleRateHz = sampleRateHz
        self.channels = channels
        self.provenance = provenance
    }

    /// Frames in a data file of `bytes` bytes holding whole frames of `frameBytes`, or a `sizeMismatch` error
    /// naming `dataPath`, `header` (the file that gave the channel count) and what the size should be.
    static func wholeFrames(
        bytes: Int64, frameBytes: Int, dataPath: String, header: String, what: String
    ) throws(ReplayError) -> UInt64 {
        guard bytes > 0 else {
            throw ReplayError(.empty, path: dataPath, message: "the data file is empty", fix: "replay a recording that holds samples")
        }
        guard bytes % Int64(frameBytes) == 0 else {
            throw ReplayError(
                .sizeMismatch, path: dataPath,
                message: "\(bytes) bytes is not a whole number of \(what) (\(frameBytes) bytes each, from \(header)): "
                    + "\(bytes / Int64(frameBytes)) and \(bytes % Int64(frameBytes)) bytes left over",
                fix: "the file was cut short or does not belong to \(header); copy the recording again")
        }
        return UInt64(bytes / Int64(frameBytes))
    }
}
