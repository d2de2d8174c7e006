import Foundation
import KetaMapCore
import KetaMapDSP
import KetaMapConfiguration

/// Everything `NWBSessionWriter` writes before the first sample: the
/// session's identity, subject, montage, sample format, processing and
/// provenance. Built by the daemon from the `Configuration` and the source.
public struct SessionDescription: Sendable {
    /// Globally unique file identifier (NWB `identifier`), normally a UUID string.
    public var identifier: String
    /// Session id, e.g. `20261126T090000Z` (NWB `session_id`).
    public var sessionID: String
    /// Wall-clock time of sample index 0 (NWB `session_start_time`).
    public var sessionStartTime: Date
    /// `[session]` settings: description, experimenters, institution, lab, keywords.
    public var session: SessionSettings
    /// `[subject]`: pseudonymous id, species, sex, age.
    public var subject: SubjectSettings
    /// The implant, in frame-column order.
    public var montage: Montage
    /// Channels, rate and calibration of the raw samples.
    public var format: SampleFormat
    /// Channels after re-referencing: the columns of LFP and band power rows
    /// and the `processedChannel` of threshold crossings.
    public var processedChannels: [ProcessedChannel]
    /// The processing parameters (stored as JSON in the file).
    public var processing: ProcessingSettings
    /// Samples per threshold-crossing waveform (default: before + after snippet lengths at the raw rate).
    public var snippetSampleCount: Int
    /// Time of the first LFP row, in seconds since session start (default 0).
    public var lfpStartSeconds: Double
    /// Time of the first band-power row, in seconds since session start (default 0).
    public var bandPowerStartSeconds: Double
    /// Board, driver, calibration and similar facts about the source (stored in the file).
    public var sourceProvenance: [String: String]
    /// Config and montage text, verbatim.
    public var configuration: ConfigurationProvenance
    /// `ketamapd` version (NWB `source_script`).
    public var softwareVersion: String
    /// Flush cadence, chunking and compression.
    public var storage: StorageSettings
    /// The widest raw HDF5 chunk, in channels (nil: 64); the channels are shared
    /// evenly among as few chunk columns as that allows, so none is padded out.
    public var rawChunkChannels: Int?
    /// The streams, each its own `ElectricalSeries` over its rows of the
    /// montage; unless set, one unnamed stream of every channel at `format`.
    public var streams: [StreamDescription] {
        get { declaredStreams ?? [StreamDescription(name: nil, format: format, firstRow: 0, processedChannels: 0..<processedChannels.count)] }
        set { declaredStreams = newValue }
    }
    private var declaredStreams: [StreamDescription]?

    /// Creates a description; `snippetSampleCount` defaults to
    /// round((before + after) ms × rate / 1000).
    public init(
        identifier: String = UUID().uuidString.lowercased(), sessionID: String, sessionStartTime: Date, session: SessionSettings,
        subject: SubjectSettings, montage: Montage, format: SampleFormat, processedChannels: [ProcessedChannel],
        processing: ProcessingSettings, snippetSampleCount: Int? = nil, lfpStartSeconds: Double = 0, bandPowerStartSeconds: Double = 0,
        sourceProvenance: [String: String], configuration: ConfigurationProvenance, softwareVersion: String,
        storage: StorageSettings = StorageSettings(), rawChunkChannels: Int? = nil, streams: [StreamDescription]? = nil
    ) {
        self.identifier = identifier
        self.sessionID = sessionID
        self.sessionStartTime = sessionStartTime
        self.session = session
        self.subject = subject
        self.montage = montage
        self.format = format
        self.processedChannels = processedChannels
        self.processing = processing
        self.snippetSampleCount = snippetSampleCount
            ?? Int(((processing.snippetBeforeMilliseconds + processing.snippetAfterMilliseconds) * format.sampleRateHz / 1000).rounded())
        self.lfpStartSeconds = lfpStartSeconds
        self.bandPowerStartSeconds = bandPowerStartSeconds
        self.sourceProvenance = sourceProvenance
        self.configuration = configuration
        self.softwareVersion = softwareVersion
        self.storage = storage
        self.rawChunkChannels = rawChunkChannels
        declaredStreams = streams
    }

    /// Whether every processed channel is a raw contact as recorded (monopolar,
    /// in frame order), so that they share the raw electrode rows.
    var processedChannelsAreRawRows: Bool {
        processing.reference == .monopolar && processedChannels.count == format.channelCount
            && processedChannels.enumerated().allSatisfy { $0.element.cathode == nil && $0.element.anode == $0.offset }
    }
}

/// Failures of the session file that are not HDF5 calls.
public struct SessionFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, and what to do.
    public var message: String
    /// The session file.
    public var path: String

    /// An error about the session file at `path`.
    public init(_ message: String, path: String) {
        self.message = message
        self.path = path
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
