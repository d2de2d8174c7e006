import KetaMapDSP
import KetaMapCore

/// Everything a session is run with: what `ketamapd.toml` and its montage say,
/// with defaults for every optional key. Parsed by `ConfigurationLoader`.
public struct Configuration: Sendable, Equatable {
    public var session: SessionSettings
    public var subject: SubjectSettings
    public var source: SourceSettings
    public var montage: Montage
    public var processing: ProcessingSettings
    public var storage: StorageSettings
    public var simulator: SimulatorSettings
    /// Doses the simulator (and a replay given `--apply-schedule`) records at
    /// fixed points of the sample clock; see `checkSchedule(source:applyToReplay:)`.
    public var schedule: [ScheduledDose]
    /// Where the configuration came from, and its text verbatim (stored in the file).
    public var provenance: ConfigurationProvenance
    /// The `[[stream]]` tables, when the config has them; empty for a `[source]`
    /// config (see `streams`). With streams, `source` is the first stream's and
    /// `montage` holds every stream's channels, stream after stream: the electrodes table.
    public var declaredStreams: [StreamSettings]

    public init(
        session: SessionSettings, subject: SubjectSettings, source: SourceSettings, montage: Montage,
        processing: ProcessingSettings = ProcessingSettings(), storage: StorageSettings = StorageSettings(),
        simulator: SimulatorSettings = SimulatorSettings(), schedule: [ScheduledDose] = [],
        provenance: ConfigurationProvenance, declaredStreams: [StreamSettings] = []
    ) {
        self.session = session
        self.subject = subject
        self.source = source
        self.montage = montage
        self.processing = processing
        self.storage = storage
        self.simulator = simulator
        self.schedule = schedule
        self.provenance = provenance
        self.declaredStreams = declaredStreams
    }
}

/// `[session]`: who records what, where it goes.
public struct SessionSettings: Sendable, Equatable, Codable {
    public var description: String
    public var experimentDescription: String
    public var experimenters: [String]
    public var institution: String
    public var lab: String
    public var keywords: [String]
    /// Folder for `<session>.nwb` and `<session>.events.jsonl`.
    public var outputDirectory: String
    /// Folder for control sockets (`<dir>/<session>.sock`).
    public var controlDirectory: String

    public init(
        description: String, experimentDescription: String = "", experimenters: [String] = [],
        institution: String = "", lab: String = "", keywords: [String] = [],
        outputDirectory: String = "/var/lib/ketamap/sessions", controlDirectory: String = "/run/ketamap"
    ) {
        self.description = description
        self.experimentDescription = experimentDescription
        self.experimenters = experimenters
        self.institution = institution
        self.lab = lab
        self.keywords = keywords
        self.outputDirectory = outputDirectory
        self.controlDirectory = controlDirectory
    }
}

/// `[subject]`: pseudonymous only; no names anywhere.
public struct SubjectSettings: Sendable, Equatable, Codable {
    public enum Sex: String, Sendable, Codable, CaseIterable { case male = "M", female = "F", unknown = "U", other = "O" }
    /// Pseudonymous id, e.g. `sub-007`.
    public var id: String
    public var species: String
    public var sex: Sex
    /// ISO 8601 duration, e.g. `P35Y`.
    public var age: String
    public var description: String
    /// Body weight at the start of the session, in kg; converts per-kg doses to mg and back.
    public var weightKilograms: Double?

    public init(id: String, species: String = "Homo sapiens", sex: Sex, age: String, description: String = "", weightKilograms: Double? = nil) {
        self.id = id
        self.species = species
        self.sex = sex
        self.age = age
        self.description = description
        self.weightKilograms = weightKilograms
    }
}

/// `[source]`: which source, at what rate, in which blocks.
public struct SourceSettings: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case simulated = "sim", comedi, replay }
    public var kind: Kind
    /// Requested frames per second, in Hz (a Comedi card may give a slightly different rate).
    public var sampleRateHz: Double
    /// Frames per block handed to the ring (default 10 ms worth).
    public var blockFrames: Int?
    /// Seconds of samples the ring holds.
    public var ringSeconds: Double
    public var comedi: ComediSettings
    public var replay: ReplaySettings?

    public init(
        kind: Kind, sampleRateHz: Double, blockFrames: Int? = nil, ringSeconds: Double = 4,
        comedi: ComediSettings = ComediSettings(), replay: ReplaySettings? = nil
    ) {
        self.kind = kind
        self.sampleRateHz = sampleRateHz
        self.blockFrames = blockFrames
        self.ringSeconds = ringSeconds
        self.comedi = comedi
        self.replay = replay
    }

    /// Highest sample rate a source may be configured with, in Hz (a DAQ card's aggregate maximum is
    /// a few MS/s; per channel far less): a larger number is a typing error, refused before it sizes a ring.
    public static let highestSampleRateHz = 1_000_000.0

    /// Frames per block: `blockFrames`, or 10 ms at the sample rate.

    public var framesPerBlock: Int { blockFrames ?? max(1, Int((sampleRateHz / 100).rounded())) }
}

/// `[source.comedi]`: the DAQ card.
public struct ComediSettings: Sendable, Equatable, Codable {
    public enum Reference: String, Sendable, Codable, CaseIterable { case ground, common, differential, other }
    /// Device node, e.g. `/dev/comedi0`.
    public var device: String
    /// Analog-input subdevice; nil finds the first that streams.
    public var subdevice: Int?
    /// Input range index on the card; nil picks the range whose span best covers `rangeVolts`.
    public var rangeIndex: Int?
    /// Wanted full-scale half-span in volts (e.g. 10 for ±10 V), when `rangeIndex` is nil.
    public var rangeVolts: Double
    public var reference: Reference
    /// Seconds of samples the kernel buffer should hold.
    public var bufferSeconds: Double
    /// Largest accepted difference between requested and real rate, in percent.
    public var rateTolerancePercent: Double
    /// A read that returns nothing for this long ends the session as stalled, in milliseconds.
    public var readTimeoutMilliseconds: Int

    public init(
        device: String = "/dev/comedi0", subdevice: Int? = nil, rangeIndex: Int? = nil, rangeVolts: Double = 10,
        reference: Reference = .ground, bufferSeconds: Double = 2, rateTolerancePercent: Double = 1,
        readTimeoutMilliseconds: Int = 2000
    ) {
        self.device = device
        self.subdevice = subdevice
        self.rangeIndex = rangeIndex
        self.rangeVolts = rangeVolts
        self.reference = reference
        self.bufferSeconds = bufferSeconds
        self.rateTolerancePercent = rateTolerancePercent
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
    }
}

/// `[source.replay]`, or `replay:PATH[?stream=NAME][&loop]` for a recording that
/// describes itself, `replay:PATH?channels=N&rate=HZ&uv_per_bit=X[&loop]` for a headless one.
public struct ReplaySettings: Sendable, Equatable, Codable {
    /// A KetaMap session file (`.nwb`), an Open Ephys, SpikeGLX or Intan recording
    /// (file or folder), or a headless interleaved int16 file.
    public var path: String
    /// For a headless int16 file only: channels per frame, rate in Hz, µV per bit.
    /// A recording that saves its metadata is read with its own.
    public var channelCount: Int?
    public var sampleRateHz: Double?
    public var microvoltsPerBit: Double?
    /// Which of a recording's streams to replay when it has several (an Open Ephys
    /// stream folder, a SpikeGLX `imec0.ap`, `imec0.lf` or `nidq`).
    public var stream: String?
    /// Start again from the beginning at the end of the file.
    public var loop: Bool

    public init(
        path: String, channelCount: Int? = nil, sampleRateHz: Double? = nil, microvoltsPerBit: Double? = nil, stream: String? = nil,
        loop: Bool = false
    ) {
        self.path = path
        self.channelCount = channelCount
        self.sampleRateHz = sampleRateHz
        self.microvoltsPerBit = microvoltsPerBit
        self.stream = stream
        self.loop = loop
    }

    /// `true` when any of channel count, rate or µV per bit is given: the file is then read as headless int16.
    public var isHeadless: Bool { channelCount != nil || sampleRateHz != nil || microvoltsPerBit != nil }
}

/// `[storage]`: how the session file is written.
public struct StorageSettings: Sendable, Equatable, Codable {
    /// Seconds between SWMR flushes (`H5Fflush`); at most this much is lost on a crash.
    public var flushSeconds: Double
    /// Lossless compression of the raw data: nil (default) or a deflate level 1–9.
    public var deflateLevel: Int?
    /// Seconds of raw samples per HDF5 chunk (time axis).
    public var chunkSeconds: Double

    public init(flushSeconds: Double = 1, deflateLevel: Int? = nil, chunkSeconds: Double = 0.05) {
        self.flushSeconds = flushSeconds
        self.deflateLevel = deflateLevel
        self.chunkSeconds = chunkSeconds
    }
}

/// One `[[schedule.dose]]`: a dose recorded when the sample clock reaches `atSeconds`.
public struct ScheduledDose: Sendable, Equatable, Codable {
    public var atSeconds: Double
    public var request: DoseRequest
    /// Line of its `at_seconds` in the config file, for refusals.
    public var line: Int?

    public init(atSeconds: Double, request: DoseRequest, line: Int? = nil) {
        self.atSeconds = atSeconds
        self.request = request
        self.line = line
    }
}

/// Where a configuration came from: stored verbatim in the session file.
public struct ConfigurationProvenance: Sendable, Equatable, Codable {
    /// Path of the config file, or `(embedded default)`.
    public var configPath: String
    public var configText: String
    public var channelsText: String
    public var electrodesText: String

    public init(configPath: String, configText: String, channelsText: String, electrodesText: String) {
        self.configPath = configPath
        self.configText = configText
        self.channelsText = channelsText
        self.electrodesText = electrodesText
    }
}
