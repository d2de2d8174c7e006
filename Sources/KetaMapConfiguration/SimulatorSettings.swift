/// `[simulator]`: the built-in signal generator and its response to doses.
public struct SimulatorSettings: Sendable, Equatable, Codable {
    /// Same seed, same samples.
    public var seed: UInt64
    /// Mains frequency of the simulated line noise, in Hz.
    public var lineFrequencyHz: Double
    /// Line-noise amplitude, in µV.
    public var lineNoiseMicrovolts: Double
    /// Mean artifacts (movement, pops) per minute over the montage.
    public var artifactsPerMinute: Double
    /// Units per microwire channel with ground-truth spike times.
    public var unitsPerMicrowire: Int
    /// One-compartment pharmacokinetics of the drug effect.
    public var onsetSeconds: Double
    public var peakSeconds: Double
    public var halfLifeSeconds: Double
    /// Effect at peak, in dB of band power, per region keyword and band.
    public var effects: [DoseEffect]

    public init(
        seed: UInt64 = 1, lineFrequencyHz: Double = 50, lineNoiseMicrovolts: Double = 8, artifactsPerMinute: Double = 0.5,
        unitsPerMicrowire: Int = 2, onsetSeconds: Double = 30, peakSeconds: Double = 300, halfLifeSeconds: Double = 9000,
        effects: [DoseEffect] = SimulatorSettings.literatureEffects
    ) {
        self.seed = seed
        self.lineFrequencyHz = lineFrequencyHz
        self.lineNoiseMicrovolts = lineNoiseMicrovolts
        self.artifactsPerMinute = artifactsPerMinute
        self.unitsPerMicrowire = unitsPerMicrowire
        self.onsetSeconds = onsetSeconds
        self.peakSeconds = peakSeconds
        self.halfLifeSeconds = halfLifeSeconds
        self.effects = effects
    }

    /// Ketamine at subanaesthetic doses: gamma up ~2 dB in prefrontal, striatal
    /// and hippocampal contacts, alpha down 1–2 dB, amygdala gamma down.
    public static let literatureEffects: [DoseEffect] = [
        DoseEffect(region: "prefrontal", band: "gamma", decibels: 2.0),
        DoseEffect(region: "striatum", band: "gamma", decibels: 2.0),
        DoseEffect(region: "hippocampus", band: "gamma", decibels: 1.5),
        DoseEffect(region: "amygdala", band: "gamma", decibels: -1.5),
        DoseEffect(region: "*", band: "alpha", decibels: -1.5),
    ]
}

/// Change of one band's power in matching regions at the drug's peak effect.
public struct DoseEffect: Sendable, Equatable, Codable {
    /// Matches a channel whose region (lowercased) contains this word; `*` matches all.
    public var region: String
    public var band: String
    public var decibels: Double

    public init(region: String, band: String, decibels: Double) {
        self.region = region
        self.band = band
        self.decibels = decibels
    }
}

extension DoseEffect {
    /// Words that stand for several regions: a keyword on the left also matches
    /// the regions on the right (so `striatum` matches `left caudate`).
    public static let regionAliases: [String: [String]] = [
        "prefrontal": ["prefrontal", "orbitofrontal", "middle frontal", "frontal pole", "frontopolar"],
        "striatum": ["striatum", "striatal", "caudate", "putamen", "accumbens"],
        "hippocampus": ["hippocampus", "hippocampal"],
        "amygdala": ["amygdala"],
        "cingulate": ["cingulate"],
        "insula": ["insula", "insular"],
    ]

    /// Whether this effect applies to a contact in `region`: `*` matches every
    /// region; otherwise `self.region` is a list of keywords separated by `|`,
    /// each matched (case-insensitive, after `regionAliases`) as a substring of `region`.
    public func matches(region contactRegion: String) -> Bool {
        let target = contactRegion.lowercased()
        for keyword in region.lowercased().split(separator: "|") {
            let word = String(keyword).trimmingSpaces()
            if word == "*" { return true }
            if word.isEmpty { continue }
            for alternative in Self.regionAliases[word] ?? [word] where target.contains(alternative) { return true }
        }
        return false
    }
}
