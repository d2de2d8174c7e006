/// One channel as the signal processor sees it after re-referencing: a raw
/// contact (monopolar or against an average) or a bipolar derivation.
/// LFP, band power and threshold crossings are per processed channel.
public struct ProcessedChannel: Sendable, Equatable, Codable {
    /// `LA1` (monopolar / average reference) or `LA1-LA2` (bipolar).
    public var name: String
    /// Raw channel index (frame column) of the contact itself.
    public var anode: Int
    /// Raw channel index subtracted from it in a bipolar derivation; nil otherwise.
    public var cathode: Int?
    /// What was subtracted, for people: `LA2`, `average of shaft LA`, `average of all`, `recording reference`.
    public var referenceDescription: String
    /// Region (NWB `location`) of the contact or of both contacts of a bipolar
    /// pair; `A | B` for a pair across two regions (`boundaryRegion`). Shaft of the anode.
    public var region: String
    public var group: String
    /// Threshold crossings are detected on this channel (microwires).
    public var detectsSpikes: Bool

    public init(name: String, anode: Int, cathode: Int?, referenceDescription: String, region: String, group: String, detectsSpikes: Bool) {
        self.name = name
        self.anode = anode
        self.cathode = cathode
        self.referenceDescription = referenceDescription
        self.region = region
        self.group = group
        self.detectsSpikes = detectsSpikes
    }

    /// The region of a bipolar pair whose contacts lie in two regions, deeper
    /// first: `left amygdala | left middle temporal gyrus`. It measures the
    /// boundary, not either region, so it is averaged into neither.
    public static func boundaryRegion(_ deeper: String, _ shallower: String) -> String { "\(deeper) | \(shallower)" }
}
