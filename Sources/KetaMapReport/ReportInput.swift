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

    public var bands: [ProcessingSettings.Band]
    public var bandPowerRateHz: Double
    /// Time of band-power row 0, in seconds since session start.
    public var bandPowerStartSeconds: Double
    public var channels: [Channel]
    /// Band power in µV², `[row][channel][band]` flattened; row r is at start + r / bandPowerRateHz s.
    public var power: [Float]
    /// Seconds of signal each row's power comes from, centred on the row's time (0: an instant).
    public var rowSeconds = 0.0
    /// How the band power was estimated, for the report's readers.
    public var bandPowerMethod = "band power as given"
    /// The doses that stand (voided ones left out), in the order recorded.
    public var doses: [DoseEvent]
    /// Voided doses (listed in the report's notes, never aligned to).
    public var voidedDoses: [DoseEvent]
    /// Threshold crossings: time in seconds and processed channel index.
    public var crossings: [(seconds: Double, channel: Int)]
    public var durationSeconds: Double
    /// Who and which session, for cohort maps (empty when unknown).
    public var subjectID = ""
    public var sessionID = ""
    /// The space of the channels' positions (BIDS name).
    public var coordinateSpace = "Other"
    /// What the report must say about how the file was read (e.g. a stream that ended early).
    public var notes: [String] = []

    public init(
        bands: [ProcessingSettings.Band], bandPowerRateHz: Double, bandPowerStartSeconds: Double = 0, channels: [Channel], power: [Float], doses: [DoseEvent],
        crossings: [(seconds: Double, channel: Int)], durationSeconds: Double, voidedDoses: [DoseEvent] = []
    ) {
        self.bands = bands
        self.bandPowerRateHz = bandPowerRateHz
        self.bandPowerStartSeconds = bandPowerStartSeconds
        self.channels = channels
        self.power = power
        self.doses = doses
        self.voidedDoses = voidedDoses
        self.crossings = crossings
        self.durationSeconds = durationSeconds
    }

    /// Band-power rows in the file.
    public var rowCount: Int { channels.isEmpty || bands.isEmpty ? 0 : power.count / (channels.count * bands.count) }

    /// Band-power rows whose span (`rowSeconds` about their time) lies in `[from, to)` seconds.
    public func rows(from: Double, to: Double) -> Range<Int> {
        let half = rowSeconds / 2
        let first = max(0, Int(((from + half - bandPowerStartSeconds) * bandPowerRateHz - 1e-9).rounded(.up)))
        let last = min(rowCount, Int(((to - half - bandPowerStartSeconds) * bandPowerRateHz - 1e-9).rounded(.up)))
        return first..<max(first, last)
    }
}
