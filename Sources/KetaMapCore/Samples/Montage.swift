/// The implant: every recorded contact, in hardware order of the channel list.
/// Read from BIDS-iEEG style `channels.tsv` + `electrodes.tsv`.
public struct Montage: Sendable, Equatable, Codable {
    /// Contacts in channel-list order: frame column `i` is `channels[i]`.
    public var channels: [MontageChannel]
    /// Shafts (and microwire bundles), one NWB electrode group each.
    public var groups: [ElectrodeGroup]
    /// The space of the contacts' coordinates, as BIDS names it (`MNI152NLin2009cAsym`,
    /// `ACPC`, `ScanRAS`, …; `Other` when not stated): millimetres on RAS axes.
    public var coordinateSpace: String

    /// What a montage that does not state its space is in (BIDS's word for it).
    public static let unstatedSpace = "Other"

    public init(channels: [MontageChannel], groups: [ElectrodeGroup], coordinateSpace: String = Montage.unstatedSpace) {
        self.channels = channels
        self.groups = groups
        self.coordinateSpace = coordinateSpace
    }
}

/// One contact.
public struct MontageChannel: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Stereo-EEG macro contact (BIDS type `SEEG`).
        case seeg = "SEEG"
        /// Microwire (BIDS-style type `MICRO`): spike detection runs on these.
        case micro = "MICRO"
    }
    /// Label, e.g. `LA3` (SpikeInterface's channel id).
    public var name: String
    public var kind: Kind
    /// Shaft or bundle name; matches an `ElectrodeGroup`.
    public var group: String
    /// Brain region (NWB `location`).
    public var region: String
    /// Coordinates in mm when known (scanner RAS or template space).
    public var x: Double?
    public var y: Double?
    public var z: Double?
    /// Position along the shaft from the deepest contact, in mm (NWB `rel_y`; `rel_x` is 0).
    public var alongShaftMillimeters: Double
    /// Contact size (BIDS `size`, mm²).
    public var sizeSquareMillimeters: Double?
    /// Channel number on the DAQ card.
    public var hardwareChannel: Int
    /// Units of the recorded signal (BIDS `units`), normally `µV`.
    public var units: String
    /// BIDS `status`: `false` for channels marked bad (still recorded).
    public var isGood: Bool
    /// The amplifier's hardware filter corners (BIDS `low_cutoff`, `high_cutoff`), in Hz, when known.
    public var lowCutoffHz: Double?
    public var highCutoffHz: Double?

    public init(
        name: String, kind: Kind, group: String, region: String, x: Double? = nil, y: Double? = nil, z: Double? = nil,
        alongShaftMillimeters: Double = 0, sizeSquareMillimeters: Double? = nil, hardwareChannel: Int,
        units: String = "µV", isGood: Bool = true, lowCutoffHz: Double? = nil, highCutoffHz: Double? = nil
    ) {
        self.name = name
        self.kind = kind
        self.group = group
        self.region = region
        self.x = x
        self.y = y
        self.z = z
        self.alongShaftMillimeters = alongShaftMillimeters
        self.sizeSquareMillimeters = sizeSquareMillimeters
        self.hardwareChannel = hardwareChannel
        self.units = units
        self.isGood = isGood
        self.lowCutoffHz = lowCutoffHz
        self.highCutoffHz = highCutoffHz
    }
}

/// A shaft or microwire bundle (NWB `ElectrodeGroup`).
public struct ElectrodeGroup: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    /// Main region the shaft targets.
    public var region: String

    public init(name: String, description: String, region: String) {
        self.name = name
        self.description = description
        self.region = region
    }
}
