import KetaMapCore
import KetaMapDSP

/// What the dose-aligned report reads from a session file.
public struct ReportInput: Sendable {
    /// A processed channel: its name, region, contacts, and whether spikes are detected on it.
    public struct Channel: Sendable, Equatable {
        public var name: String
        /// The file's region (`A | B` for a bipolar pair across two regions).
        public var region: String
        public var detectsSpikes: Bool
        /// Position in the montage's space, in mm (midpoint of a bipolar pair); nil when unknown.
        public var position: Position?
        /// Macro contacts or microwires (the anode's kind): never averaged together.
        public var contacts: MontageChannel.Kind
        /// A bipolar pair whose contacts lie in two regions: a row of its own, in neither region.
        public var isBoundary: Bool

        public init(
            name: String, region: String, detectsSpikes: Bool, position: Position? = nil, contacts: MontageChannel.Kind = .seeg, isBoundary: Bool = false
        ) {
            self.name = name
            self.region = region
            self.detectsSpikes = detectsSpikes
            self.position = position
            self.contacts = contacts
            self.isBoundary = isBoundary
        }

        /// The report row the channel is averaged in: its region, apart for microwires
        /// (`right amygdala (microwires)`), and a boundary pair's own `A | B`.
        public var row: String { contacts == .micro ? "\(region) (microwires)" : region }
    }

    /// A point in the montage's space, in mm.
    public struct Position: Sendable, Codable, Equatable {
        public var x: Double
        public var y: Double
        public var z: Double

        public init(x: Double, y: Double, z: Double) {
            self.x = x
            self.y = y
            self.z = z
        }
    }

    /// Where the band-power rows lie, what they are aligned to, and the notes on how the file was read.
    public var timeline: ReportTimeline
    public var channels: [Channel]
    /// Band power in µV², `[row][channel][band]` flattened; row r is at `timeline`'s start + r / its rate.
    public var power: [Float]
    /// How the band power was estimated, for the report's readers.
    public var bandPowerMethod = "band power as given"
    /// Threshold crossings: time in seconds and processed channel index.
    public var crossings: [(seconds: Double, channel: Int)]
    public var durationSeconds: Double
    /// Who and which session, for cohort maps (empty when unknown).
    public var subjectID = ""
    public var sessionID = ""
    /// The space of the channels' positions (BIDS name).
    public var coordinateSpace = "Other"

    /// `power` holds `timeline.rowCount` rows of `channels` × `timeline.bands`.
    public init(timeline: ReportTimeline, channels: [Channel], power: [Float], crossings: [(seconds: Double, channel: Int)], durationSeconds: Double) {
        self.timeline = timeline
        self.channels = channels
        self.power = power
        self.crossings = crossings
        self.durationSeconds = durationSeconds
    }

    /// Band power given as rows of instants (`rowSeconds` 0), no notes: the timeline's row count is what `power` holds.
    public init(
        bands: [ProcessingSettings.Band], bandPowerRateHz: Double, bandPowerStartSeconds: Double = 0, channels: [Channel], power: [Float], doses: [DoseEvent],
        crossings: [(seconds: Double, channel: Int)], durationSeconds: Double, voidedDoses: [DoseEvent] = []
    ) {
        let rowCount = channels.isEmpty || bands.isEmpty ? 0 : power.count / (channels.count * bands.count)
        let timeline = ReportTimeline(
            bands: bands, bandPowerRateHz: bandPowerRateHz, bandPowerStartSeconds: bandPowerStartSeconds, rowCount: rowCount, rowSeconds: 0, doses: doses,
            voidedDoses: voidedDoses, notes: [])
        self.init(timeline: timeline, channels: channels, power: power, crossings: crossings, durationSeconds: durationSeconds)
    }
}
