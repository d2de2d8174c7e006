import Foundation
import KetaMapCore

/// The dose-aligned "map": per brain region, how band power (dB) and spike
/// rate (%) changed from a baseline before the dose to a window after it.
public struct SessionReport: Sendable, Codable, Equatable {
    /// Change in one region.
    public struct RegionChange: Sendable, Codable, Equatable {
        public var region: String
        /// Processed channels averaged.
        public var channelCount: Int
        /// Mean over the region's channels of 10·log10(window / baseline) per band, in dB (same order as `bands`).
        public var bandChangeDecibels: [Double]
        /// Spike rate before and after, per second, summed over the region's spike channels; nil without any.
        public var spikeRateBaseline: Double?
        public var spikeRateWindow: Double?

        /// Relative change of the spike rate, in percent.
        public var spikeRateChangePercent: Double? {
            guard let before = spikeRateBaseline, let after = spikeRateWindow, before > 0 else { return nil }
            return 100 * (after - before) / before
        }
    }

    public var dose: DoseEvent
    public var bands: [String]
    /// Seconds since session start.
    public var baseline: ClosedRange<Double>
    public var window: ClosedRange<Double>
    /// What was shortened because the recording did not cover it.
    public var notes: [String]
    public var regions: [RegionChange]

    /// Why a report cannot be made.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Computes the report for dose number `doseIndex` (0-based), a baseline
    /// of `baselineSeconds` before it and a window `window` after it (seconds
    /// after the dose), each clipped to what was recorded.
    public init(input: ReportInput, doseIndex: Int = 0, baselineSeconds: Double, window requested: ClosedRange<Double>) throws {
        guard !input.doses.isEmpty else { throw Unavailable(description: "the session has no dose; a dose-aligned report needs one (record it with `ketamapctl dose`)") }
        guard input.doses.indices.contains(doseIndex) else { throw Unavailable(description: "the session has \(input.doses.count) doses; choose --dose 1…\(input.doses.count)") }
        guard input.rowCount > 0 else { throw Unavailable(description: "the session has no band power (processing was off)") }
        let dose = input.doses[doseIndex]
        let end = input.bandPowerStartSeconds + Double(input.rowCount) / input.bandPowerRateHz
        var notes = input.voidedDoses.map { "left out, voided: \(DoseText.dose($0))" }
        // Skip the filters' settling time: three cycles of the lowest band edge.
        let settleSeconds = 3 / (input.bands.map(\.lowHz).min() ?? 1)
        let baselineStart = max(settleSeconds, dose.startSeconds - baselineSeconds)
        guard dose.startSeconds - baselineStart >= 1 else { throw Unavailable(description: "less than 1 s was recorded before the dose; no baseline") }
        if baselineStart > dose.startSeconds - baselineSeconds {
            notes.append("baseline shortened to the \(Int(dose.startSeconds - baselineStart)) s recorded before the dose")
        }
        var windowStart = dose.startSeconds + requested.lowerBound
        let windowEnd = min(end, dose.startSeconds + requested.upperBound)
        if windowStart >= windowEnd - 1 {
            // The recording ends before the requested window: use its last part after the dose.
            windowStart = max(dose.startSeconds, windowEnd - max(1, (windowEnd - dose.startSeconds) / 2))
            notes.append("the recording ends \(Int(end - dose.startSeconds)) s after the dose; window moved to \(Int(windowStart - dose.startSeconds))..\(Int(windowEnd - dose.startSeconds)) s after it")
        } else if windowEnd < dose.startSeconds + requested.upperBound {
            notes.append("window shortened: the recording ends \(Int(end - dose.startSeconds)) s after the dose")
        }
        guard windowEnd - windowStart >= 1 else { throw Unavailable(description: "less than 1 s was recorded after the dose") }

        self.dose = dose
        bands = input.bands.map(\.name)
        baseline = baselineStart...dose.startSeconds
        window = windowStart...windowEnd
        self.notes = notes
        let baselineMean = Self.meanPower(input, from: baselineStart, to: dose.startSeconds)
        let windowMean = Self.meanPower(input, from: windowStart, to: windowEnd)
        let regionNames = input.channels.map(\.region).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        regions = regionNames.map { region in
            let members = input.channels.indices.filter { input.channels[$0].region == region }
            let changes = input.bands.indices.map { band in
                let decibels = members.compactMap { channel -> Double? in
                    let before = baselineMean[channel * input.bands.count + band]
                    let after = windowMean[channel * input.bands.count + band]
                    return before > 0 && after > 0 ? 10 * log10(after / before) : nil
                }
                return decibels.isEmpty ? .nan : decibels.reduce(0, +) / Double(decibels.count)
            }
            let spikeMembers = Set(members.filter { input.channels[$0].detectsSpikes })
            func rate(_ from: Double, _ to: Double) -> Double {
                Double(input.crossings.count { spikeMembers.contains($0.channel) && $0.seconds >= from && $0.seconds < to }) / (to - from)
            }
            return RegionChange(
                region: region, channelCount: members.count, bandChangeDecibels: changes,
                spikeRateBaseline: spikeMembers.isEmpty ? nil : rate(baselineStart, dose.startSeconds),
                spikeRateWindow: spikeMembers.isEmpty ? nil : rate(windowStart, windowEnd))
        }
    }

    /// Mean power per `[channel][band]` over the rows whose time is in `[from, to)`.
    private static func meanPower(_ input: ReportInput, from: Double, to: Double) -> [Double] {
        let width = input.channels.count * input.bands.count
        let first = max(0, Int(((from - input.bandPowerStartSeconds) * input.bandPowerRateHz).rounded(.up)))
        let last = min(input.rowCount, Int(((to - input.bandPowerStartSeconds) * input.bandPowerRateHz).rounded(.up)))
        var sums = [Double](repeating: 0, count: width)
        guard last > first else { return sums }
        for row in first..<last {
            for index in 0..<width { sums[index] += Double(input.power[row * width + index]) }
        }
        return sums.map { $0 / Double(last - first) }
    }
}
