import KetaMapCore
import KetaMapDSP

/// Where a report's band-power rows lie and what they are aligned to: what
/// `SessionReport.ranges` needs to settle time 0, the baseline and the window.
/// `SessionReportInput.timeline` knows it from a file's metadata before any
/// spectrum is computed, and the `ReportInput` it reads holds it.
public struct ReportTimeline: Sendable {
    public var bands: [ProcessingSettings.Band]
    public var bandPowerRateHz: Double
    /// Time of band-power row 0, in seconds since session start.
    public var bandPowerStartSeconds: Double
    public var rowCount: Int
    /// Seconds of signal each row's power comes from (0: an instant).
    public var rowSeconds: Double
    /// The doses that stand, in the order recorded, and the voided ones.
    public var doses: [DoseEvent]
    public var voidedDoses: [DoseEvent]
    /// What the report must say about how the file was read.
    public var notes: [String]

    public init(
        bands: [ProcessingSettings.Band], bandPowerRateHz: Double, bandPowerStartSeconds: Double, rowCount: Int, rowSeconds: Double, doses: [DoseEvent],
        voidedDoses: [DoseEvent], notes: [String]
    ) {
        self.bands = bands
        self.bandPowerRateHz = bandPowerRateHz
        self.bandPowerStartSeconds = bandPowerStartSeconds
        self.rowCount = rowCount
        self.rowSeconds = rowSeconds
        self.doses = doses
        self.voidedDoses = voidedDoses
        self.notes = notes
    }

    /// Band-power rows whose span (`rowSeconds` about their time) lies in `[from, to)` seconds.
    public func rows(from: Double, to: Double) -> Range<Int> {
        let half = rowSeconds / 2
        let first = max(0, Int(((from + half - bandPowerStartSeconds) * bandPowerRateHz - 1e-9).rounded(.up)))
        let last = min(rowCount, Int(((to - half - bandPowerStartSeconds) * bandPowerRateHz - 1e-9).rounded(.up)))
        return first..<max(first, last)
    }
}
