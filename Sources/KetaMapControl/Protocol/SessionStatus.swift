import KetaMapCore

/// Everything `ketamapctl status` shows, as the daemon's status board holds it.
/// Encoded as JSON on the control socket.
public struct SessionStatus: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case starting, recording, stopping, stopped, faulted
    }

    public var sessionID: String
    public var state: State
    /// Path of the session file.
    public var filePath: String
    public var fileBytes: UInt64
    public var source: String
    public var sampleRateHz: Double
    public var channelCount: Int
    /// Newest acquired sample index and the seconds it stands for.
    public var newestSample: UInt64
    public var recordedSeconds: Double
    /// Frames stored in the file so far.
    public var framesWritten: UInt64
    /// Zero-filled frames and the gaps they came from.
    public var lostFrames: UInt64
    public var gapCount: Int
    /// Per ring consumer: frames waiting and the most ever waiting.
    public var buffers: [BufferStatus]
    /// Feature rows (LFP, band power, crossings) refused because the recorder fell behind.
    public var droppedFeatureRows: Int
    /// Every dose recorded, voided ones included (`dosing.voidedBy` names those).
    public var doses: [DoseEvent]
    /// Running totals per drug (voided doses left out), the weight and the last dose.
    public var dosing: DosingSummary
    /// Seconds from the newest standing dose's start to the newest sample; nil before any dose.
    public var secondsSinceLastDose: Double?
    public var marks: Int
    public var channels: [ChannelStatus]
    /// Names of the bands in each channel's `bandPowerDecibels`, in order.
    public var bands: [String]
    /// What the session writes per second (raw samples, LFP, band power).
    public var bytesPerSecond: Double
    /// Free space where the file is, and the hours of recording it holds at
    /// `bytesPerSecond`; nil when the file system does not say.
    public var diskFreeBytes: UInt64?
    public var diskHoursLeft: Double?
    /// Why the session faulted, when it did.
    public var fault: String?
    /// Each stream of a session of several (nil for one source): its rate,
    /// channels and counts. The fields above are the first stream's clock
    /// (`newestSample`, `recordedSeconds`, `framesWritten`, `sampleRateHz`), every
    /// stream's channels (`channelCount`) and every stream's losses.
    public var streams: [StreamStatus]?

    public init(
        sessionID: String, state: State, filePath: String, fileBytes: UInt64 = 0, source: String, sampleRateHz: Double,
        channelCount: Int, newestSample: UInt64 = 0, recordedSeconds: Double = 0, framesWritten: UInt64 = 0,
        lostFrames: UInt64 = 0, gapCount: Int = 0, buffers: [BufferStatus] = [], droppedFeatureRows: Int = 0,
        doses: [DoseEvent] = [], marks: Int = 0, channels: [ChannelStatus] = [], bands: [String] = [], bytesPerSecond: Double = 0,
        diskFreeBytes: UInt64? = nil, diskHoursLeft: Double? = nil, fault: String? = nil, dosing: DosingSummary = DosingSummary(),
        secondsSinceLastDose: Double? = nil, streams: [StreamStatus]? = nil
    ) {
        self.sessionID = sessionID
        self.state = state
        self.filePath = filePath
        self.fileBytes = fileBytes
        self.source = source
        self.sampleRateHz = sampleRateHz
        self.channelCount = channelCount
        self.newestSample = newestSample
        self.recordedSeconds = recordedSeconds
        self.framesWritten = framesWritten
        self.lostFrames = lostFrames
        self.gapCount = gapCount
        self.buffers = buffers
        self.droppedFeatureRows = droppedFeatureRows
        self.doses = doses
        self.dosing = dosing
        self.secondsSinceLastDose = secondsSinceLastDose
        self.marks = marks
        self.channels = channels
        self.bands = bands
        self.bytesPerSecond = bytesPerSecond
        self.diskFreeBytes = diskFreeBytes
        self.diskHoursLeft = diskHoursLeft
        self.fault = fault
        self.streams = streams
    }
}

/// One stream of a session of several sources.
public struct StreamStatus: Sendable, Equatable, Codable {
    public var name: String
    public var sampleRateHz: Double
    public var channelCount: Int
    /// Newest acquired sample index of the stream, and frames of it stored in the file.
    public var newestSample: UInt64
    public var framesWritten: UInt64
    /// Zero-filled or missing frames of the stream and the gaps they came from.
    public var lostFrames: UInt64
    public var gapCount: Int

    public init(name: String, sampleRateHz: Double, channelCount: Int, newestSample: UInt64 = 0, framesWritten: UInt64 = 0, lostFrames: UInt64 = 0, gapCount: Int = 0) {
        self.name = name
        self.sampleRateHz = sampleRateHz
        self.channelCount = channelCount
        self.newestSample = newestSample
        self.framesWritten = framesWritten
        self.lostFrames = lostFrames
        self.gapCount = gapCount
    }

    /// Seconds of the stream stored in the file.
    public var recordedSeconds: Double { sampleRateHz > 0 ? Double(framesWritten) / sampleRateHz : 0 }
}

/// One ring consumer's backlog.
public struct BufferStatus: Sendable, Equatable, Codable {
    public var consumer: String
    public var backlogFrames: UInt64
    public var highWaterFrames: UInt64
    public var capacityFrames: Int

    public init(consumer: String, backlogFrames: UInt64, highWaterFrames: UInt64, capacityFrames: Int) {
        self.consumer = consumer
        self.backlogFrames = backlogFrames
        self.highWaterFrames = highWaterFrames
        self.capacityFrames = capacityFrames
    }
}

/// One contact's health, refreshed a few times a second by the signal processor.
public struct ChannelStatus: Sendable, Equatable, Codable {
    public var name: String
    public var region: String
    /// The shaft (electrode group) the contact is on.
    public var shaft: String
    public var rmsMicrovolts: Double
    /// Share of the signal's power at the mains frequency and harmonics, 0–1.
    public var lineNoiseShare: Double
    public var isFlat: Bool
    public var isSaturated: Bool
    /// Threshold crossings per second (spike channels), else nil.
    public var spikeRatePerSecond: Double?
    /// Band power of the processed channel whose anode this contact is, per band
    /// of `SessionStatus.bands`, in dB re 1 µV²; nil before the first estimate
    /// (or for a contact that anchors no derivation, such as a shaft's last
    /// contact under the bipolar reference).
    public var bandPowerDecibels: [Double?]
    /// What a technician should look at; set by `ChannelHealth.flag(_:)`.
    public var flags: [ChannelFlag]

    public init(
        name: String, region: String, shaft: String = "", rmsMicrovolts: Double = 0, lineNoiseShare: Double = 0, isFlat: Bool = false,
        isSaturated: Bool = false, spikeRatePerSecond: Double? = nil, bandPowerDecibels: [Double?] = [], flags: [ChannelFlag] = []
    ) {
        self.name = name
        self.region = region
        self.shaft = shaft
        self.rmsMicrovolts = rmsMicrovolts
        self.lineNoiseShare = lineNoiseShare
        self.isFlat = isFlat
        self.isSaturated = isSaturated
        self.spikeRatePerSecond = spikeRatePerSecond
        self.bandPowerDecibels = bandPowerDecibels
        self.flags = flags
    }
}
