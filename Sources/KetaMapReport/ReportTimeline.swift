import KetaMapCore
import KetaMapDSP

/// Where a report's band-power rows lie and what they are aligned to: what
/// `SessionReport.ranges` needs to settle time 0, the baseline and the window.
/// `SessionReportInput.timeline` knows it from a file's metadata before any
/// spectrum is computed; a `ReportInput` has its own.
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
}

extension ReportInput {
    /// The input's rows, doses and notes.
    public var timeline: ReportTimeline {
        ReportTimeline(
            bands: bands, bandPowerRateHz: bandPowerRateHz, bandPowerStartSeconds: bandPowerStartSeconds, rowCount: rowCount, rowSeconds: rowSeconds,
            doses: doses, voidedDoses: voidedDoses, notes: notes)
    }
}
