import Foundation
import KetaMapControl
import KetaMapCore

/// The dose-aligned "map": per brain region, how band power (dB) and spike
/// rate (%) changed from a baseline before the dose to a window after it.
public struct SessionReport: Sendable, Codable, Equatable {
    /// Change in one region (its macro contacts or its microwires), or at one boundary.
    public struct RegionChange: Sendable, Codable, Equatable {
        /// The row's name: the region, `… (microwires)`, or a boundary's `A | B`.
        public var region: String
        /// Macro contacts (SEEG) or microwires (MICRO): the two are never averaged together.
        public var contacts: MontageChannel.Kind
        /// The row holds bipolar pairs across two regions, counted in neither.
        public var isBoundary: Bool
        /// Processed channels averaged.
        public var channelCount: Int
        /// Mean over the region's channels of 10·log10(window / baseline) per band, in dB (same order as `bands`).
        public var bandChangeDecibels: [Double]
        /// Spike rate before and after, per second, summed over the region's spike channels; nil without any.
        public var spikeRateBaseline: Double?
        public var spikeRateWindow: Double?
        /// 95 % interval of each band's change, in dB (same order as `bands`); `excludesZero` marks a significant change.
        public var bandIntervals: [ChangeInterval]
        /// What the baseline and the window are worth in independent rows, per band.
        public var effectiveSamples: [EffectiveSamples]
        /// Length of the bootstrap's time blocks, in seconds.
        public var blockSeconds: Double
        /// 95 % interval of the spike rate's change, in percent; nil without spike channels.
        public var spikeRateChangeInterval: ChangeInterval?

        enum CodingKeys: String, CodingKey {
            case region, contacts, isBoundary, channelCount, bandChangeDecibels, spikeRateBaseline, spikeRateWindow, bandIntervals, effectiveSamples
            case blockSeconds, spikeRateChangeInterval
        }

        /// A change that cannot be computed (NaN) is `null` in JSON; the report's notes say why.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(region, forKey: .region)
            try container.encode(contacts, forKey: .contacts)
            try container.encode(isBoundary, forKey: .isBoundary)
            try container.encode(channelCount, forKey: .channelCount)
            try container.encodeFiniteOrNull(bandChangeDecibels, forKey: .bandChangeDecibels)
            try container.encodeIfPresent(spikeRateBaseline, forKey: .spikeRateBaseline)
            try container.encodeIfPresent(spikeRateWindow, forKey: .spikeRateWindow)
            try container.encode(bandIntervals, forKey: .bandIntervals)
            try container.encode(effectiveSamples, forKey: .effectiveSamples)
            try container.encode(blockSeconds, forKey: .blockSeconds)
            try container.encodeIfPresent(spikeRateChangeInterval, forKey: .spikeRateChangeInterval)
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            region = try container.decode(String.self, forKey: .region)
            contacts = try container.decode(MontageChannel.Kind.self, forKey: .contacts)
            isBoundary = try container.decode(Bool.self, forKey: .isBoundary)
            channelCount = try container.decode(Int.self, forKey: .channelCount)
            bandChangeDecibels = try container.decodeFiniteOrNull([Double].self, forKey: .bandChangeDecibels)
            spikeRateBaseline = try container.decodeIfPresent(Double.self, forKey: .spikeRateBaseline)
            spikeRateWindow = try container.decodeIfPresent(Double.self, forKey: .spikeRateWindow)
            bandIntervals = try container.decode([ChangeInterval].self, forKey: .bandIntervals)
            effectiveSamples = try container.decode([EffectiveSamples].self, forKey: .effectiveSamples)
            blockSeconds = try container.decode(Double.self, forKey: .blockSeconds)
            spikeRateChangeInterval = try container.decodeIfPresent(ChangeInterval.self, forKey: .spikeRateChangeInterval)
        }

        init(
            region: String, contacts: MontageChannel.Kind, isBoundary: Bool, channelCount: Int, bandChangeDecibels: [Double], spikeRateBaseline: Double?,
            spikeRateWindow: Double?, bandIntervals: [ChangeInterval], effectiveSamples: [EffectiveSamples], blockSeconds: Double,
            spikeRateChangeInterval: ChangeInterval?
        ) {
            self.region = region
            self.contacts = contacts
            self.isBoundary = isBoundary
            self.channelCount = channelCount
            self.bandChangeDecibels = bandChangeDecibels
            self.spikeRateBaseline = spikeRateBaseline
            self.spikeRateWindow = spikeRateWindow
            self.bandIntervals = bandIntervals
            self.effectiveSamples = effectiveSamples
            self.blockSeconds = blockSeconds
            self.spikeRateChangeInterval = spikeRateChangeInterval
        }

        /// Relative change of the spike rate, in percent.
        public var spikeRateChangePercent: Double? {
            guard let before = spikeRateBaseline, let after = spikeRateWindow, before > 0 else { return nil }
            return 100 * (after - before) / before
        }
    }

    /// Change on one processed channel (what the contact map shows).
    public struct ChannelChange: Sendable, Codable, Equatable {
        public var name: String
        public var region: String
        public var position: ReportInput.Position?
        /// 10·log10(window / baseline) per band, in dB; NaN without power (`null` in JSON).
        public var bandChangeDecibels: [Double]

        enum CodingKeys: String, CodingKey { case name, region, position, bandChangeDecibels }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(region, forKey: .region)
            try container.encodeIfPresent(position, forKey: .position)
            try container.encodeFiniteOrNull(bandChangeDecibels, forKey: .bandChangeDecibels)
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            region = try container.decode(String.self, forKey: .region)
            position = try container.decodeIfPresent(ReportInput.Position.self, forKey: .position)
            bandChangeDecibels = try container.decodeFiniteOrNull([Double].self, forKey: .bandChangeDecibels)
        }

        init(name: String, region: String, position: ReportInput.Position?, bandChangeDecibels: [Double]) {
            self.name = name
            self.region = region
            self.position = position
            self.bandChangeDecibels = bandChangeDecibels
        }
    }

    /// The subject and session the report is of (empty when the file does not say).
    public var subjectID: String
    public var sessionID: String
    /// The dose the report is aligned to; nil for a report aligned to a time (a control comparison).
    public var dose: DoseEvent?
    /// Time 0 of the report (the dose's start), in seconds since session start.
    public var alignmentSeconds: Double
    public var bands: [String]
    /// Seconds since session start.
    public var baseline: ClosedRange<Double>
    public var window: ClosedRange<Double>
    /// What was shortened because the recording did not cover it.
    public var notes: [String]
    public var regions: [RegionChange]
    public var channels: [ChannelChange]
    /// How band power was estimated (from the input), for people and for the JSON.
    public var bandPower = ""
    /// The uncertainty's method, for people and for the JSON.
    public var uncertainty = "95 % percentile interval, \(RegionUncertainty.replicates) block bootstrap replicates (channels of a region drawn with replacement, time in circular blocks of ≥ 2 autocorrelation times and ≥ 2 band-power windows; widened by Student's t for the number of blocks)"

    /// What time 0 is, for titles: the dose, or the time a control comparison is aligned to.
    public var alignmentDescription: String {
        guard let dose else { return "no dose: aligned at \(StatusText.formatDuration(alignmentSeconds)) (a comparison without drug)" }
        return DoseText.dose(dose)
    }

    /// Why a report cannot be made.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Computes the report for dose number `doseIndex` (0-based), a baseline
    /// of `baselineSeconds` before it and a window `window` after it (seconds
    /// after the dose), each clipped to what was recorded.
    /// With `alignedAtSeconds`, time 0 is that time instead of a dose (a
    /// comparison without drug, e.g. on a control session).
    /// `progress` hears (regions done, regions) as the bootstrap goes.
    public init(
        input: ReportInput, doseIndex: Int = 0, alignedAtSeconds: Double? = nil, baselineSeconds: Double, window requested: ClosedRange<Double>,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) throws {
        let ranges = try Self.ranges(timeline: input.timeline, doseIndex: doseIndex, alignedAtSeconds: alignedAtSeconds, baselineSeconds: baselineSeconds, window: requested)
        let (dose, zero, baselineStart, windowStart, windowEnd) = (ranges.dose, ranges.zero, ranges.baseline.lowerBound, ranges.window.lowerBound, ranges.window.upperBound)
        let notes = ranges.notes

        self.dose = dose
        bandPower = input.bandPowerMethod
        alignmentSeconds = zero
        subjectID = input.subjectID
        sessionID = input.sessionID
        bands = input.timeline.bands.map(\.name)
        baseline = baselineStart...zero
        window = windowStart...windowEnd
        self.notes = notes
        let baselineMean = Self.meanPower(input, from: baselineStart, to: zero)
        let windowMean = Self.meanPower(input, from: windowStart, to: windowEnd)
        func channelChange(_ channel: Int, _ band: Int) -> Double {
            let before = baselineMean[channel * input.timeline.bands.count + band]
            let after = windowMean[channel * input.timeline.bands.count + band]
            return before > 0 && after > 0 ? 10 * log10(after / before) : .nan
        }
        channels = input.channels.enumerated().map { index, channel in
            ChannelChange(name: channel.name, region: channel.region, position: channel.position, bandChangeDecibels: input.timeline.bands.indices.map { channelChange(index, $0) })
        }
        let regionNames = input.channels.map(\.row).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let baselineRows = input.timeline.rows(from: baselineStart, to: zero)
        let windowRows = input.timeline.rows(from: windowStart, to: windowEnd)
        guard baselineRows.count >= 2, windowRows.count >= 2 else { throw Unavailable(description: "the baseline or the window holds fewer than 2 band-power rows") }
        var done = 0
        regions = regionNames.map { region in
            defer { done += 1; progress(done, regionNames.count) }
            let members = input.channels.indices.filter { input.channels[$0].row == region }
            let changes = input.timeline.bands.indices.map { band in
                let decibels = members.map { channelChange($0, band) }.filter { !$0.isNaN }
                return decibels.isEmpty ? .nan : decibels.reduce(0, +) / Double(decibels.count)
            }
            let spikeMembers = Set(members.filter { input.channels[$0].detectsSpikes })
            func rate(_ from: Double, _ to: Double) -> Double {
                Double(input.crossings.count { spikeMembers.contains($0.channel) && $0.seconds >= from && $0.seconds < to }) / (to - from)
            }
            let uncertainty = RegionUncertainty(
                input: input, members: members, spikeMembers: spikeMembers.sorted(), baseline: baselineRows, window: windowRows,
                seed: Self.seed(region))
            return RegionChange(
                region: region, contacts: input.channels[members[0]].contacts, isBoundary: input.channels[members[0]].isBoundary,
                channelCount: members.count, bandChangeDecibels: changes,
                spikeRateBaseline: spikeMembers.isEmpty ? nil : rate(baselineStart, zero),
                spikeRateWindow: spikeMembers.isEmpty ? nil : rate(windowStart, windowEnd),
                bandIntervals: uncertainty.bandIntervals, effectiveSamples: uncertainty.effectiveSamples, blockSeconds: uncertainty.blockSeconds,
                spikeRateChangeInterval: uncertainty.spikeRateChangeInterval)
        }
        self.notes += Self.missingValueNotes(regions, bands: bands)
    }

    /// Time 0, the baseline and the window a report compares, each clipped to what
    /// was recorded, and the notes saying what was shortened.
    public struct Ranges: Sendable {
        public var dose: DoseEvent?
        public var zero: Double
        public var baseline: ClosedRange<Double>
        public var window: ClosedRange<Double>
        public var notes: [String]
        /// The shorter of the baseline and the window, in seconds.
        public var shortestSeconds: Double { min(baseline.upperBound - baseline.lowerBound, window.upperBound - window.lowerBound) }
    }

    /// The ranges `init` reports on (its arguments as there, the input's `timeline`); throws `Unavailable` as it does.
    public static func ranges(
        timeline: ReportTimeline, doseIndex: Int = 0, alignedAtSeconds: Double? = nil, baselineSeconds: Double, window requested: ClosedRange<Double>
    ) throws -> Ranges {
        let dose: DoseEvent?
        if let alignedAtSeconds {
            guard alignedAtSeconds.isFinite, alignedAtSeconds > 0 else { throw Unavailable(description: "--at must be a time after the session's start") }
            dose = nil
        } else {
            guard !timeline.doses.isEmpty else {
                throw Unavailable(description: "the session has no dose; a dose-aligned report needs one (record it with `ketamapctl dose`, or align to a time with --at)")
            }
            guard timeline.doses.indices.contains(doseIndex) else {
                let count = timeline.doses.count
                throw Unavailable(description: count == 1 ? "the session has 1 dose; --dose 1 is the only one" : "the session has \(count) doses; choose --dose 1…\(count)")
            }
            dose = timeline.doses[doseIndex]
        }
        guard timeline.rowCount > 0 else { throw Unavailable(description: "the session has no band power (processing was off)") }
        let zero = alignedAtSeconds ?? dose!.startSeconds
        let end = timeline.bandPowerStartSeconds + Double(timeline.rowCount) / timeline.bandPowerRateHz
        guard zero < end else {
            let what = alignedAtSeconds == nil ? "the dose" : "--at"
            throw Unavailable(description: "\(what) at \(StatusText.formatDuration(zero)) is after the recording's band power ends, at \(StatusText.formatDuration(end))")
        }
        var notes = timeline.notes + timeline.voidedDoses.map { "left out, voided: \(DoseText.dose($0))" }
        // Skip the filters' settling time: three cycles of the lowest band edge.
        let settleSeconds = 3 / (timeline.bands.map(\.lowHz).min() ?? 1)
        let baselineStart = max(settleSeconds, zero - baselineSeconds)
        guard zero - baselineStart >= 1 else { throw Unavailable(description: "less than 1 s was recorded before the dose; no baseline") }
        if baselineStart > zero - baselineSeconds {
            notes.append("baseline shortened to the \(Int(zero - baselineStart)) s recorded before the dose")
        }
        var windowStart = zero + requested.lowerBound
        let windowEnd = min(end, zero + requested.upperBound)
        if windowStart >= windowEnd - 1 {
            // The recording ends before the requested window: use its last part after the dose.
            windowStart = max(zero, windowEnd - max(1, (windowEnd - zero) / 2))
            notes.append("the recording ends \(Int(end - zero)) s after the dose; window moved to \(Int(windowStart - zero))..\(Int(windowEnd - zero)) s after it")
        } else if windowEnd < zero + requested.upperBound {
            notes.append("window shortened: the recording ends \(Int(end - zero)) s after the dose")
        }
        guard windowEnd - windowStart >= 1 else { throw Unavailable(description: "less than 1 s was recorded after the dose") }
        return Ranges(dose: dose, zero: zero, baseline: baselineStart...zero, window: windowStart...windowEnd, notes: notes)
    }

    /// Says which cells have no value (`null` in JSON, NaN in Swift) and why.
    static func missingValueNotes(_ regions: [RegionChange], bands: [String]) -> [String] {
        var notes: [String] = []
        for region in regions {
            let noChange = bands.indices.filter { region.bandChangeDecibels[$0].isNaN }.map { bands[$0] }
            if !noChange.isEmpty {
                notes.append("\(region.region) \(noChange.joined(separator: ", ")): no change (null in JSON): no channel has band power in both the baseline and the window")
            }
            let noInterval = bands.indices.filter { !region.bandChangeDecibels[$0].isNaN && (region.bandIntervals[$0].low.isNaN || region.bandIntervals[$0].high.isNaN) }
            if !noInterval.isEmpty {
                notes.append("\(region.region) \(noInterval.map { bands[$0] }.joined(separator: ", ")): no interval (null in JSON): too few rows with band power to resample")
            }
        }
        return notes
    }

    /// The bootstrap's seed for a region: its name's FNV-1a hash, so a file always gives the same intervals.
    static func seed(_ region: String) -> UInt64 {
        region.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }

    /// Mean power per `[channel][band]` over the rows whose time is in `[from, to)`,
    /// NaN rows (processing that fell behind) left out; 0 where no row has a value.
    private static func meanPower(_ input: ReportInput, from: Double, to: Double) -> [Double] {
        let width = input.channels.count * input.timeline.bands.count
        let rows = input.timeline.rows(from: from, to: to)
        var sums = [Double](repeating: 0, count: width)
        var counts = [Int](repeating: 0, count: width)
        for row in rows {
            for index in 0..<width {
                let value = input.power[row * width + index]
                if !value.isNaN {
                    sums[index] += Double(value)
                    counts[index] += 1
                }
            }
        }
        return zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : 0 }
    }
}
