import KetaMapCore
import Logging

/// The structured fields of KetaMap's log lines, named once: under systemd
/// `JournalLogHandler` turns each metadata key into a journal field of the
/// same name in upper case, so `journalctl SESSION=sub-007-ses-01 STAGE=recording`
/// finds them. Every line of a session carries `SESSION` and `PART` (set on
/// the session's logger); these add the rest.
extension Logger.Metadata {
    /// `STAGE=acquisition|processing|recording|control`: the stage a line is about.
    static func stage(_ stage: PipelineStage) -> Logger.Metadata { ["stage": "\(stage.rawValue)"] }

    /// `STAGE=` and, for a stage of one stream of several, `STREAM=`.
    static func stage(_ key: StageKey) -> Logger.Metadata {
        key.stream.map { stage(key.stage).merging(["stream": "\($0)"]) { $1 } } ?? stage(key.stage)
    }

    /// A range of lost samples: `GAP_FIRST_SAMPLE`, `GAP_END_SAMPLE` (one past
    /// the last), `GAP_SAMPLES`, `GAP_CAUSE`, `GAP_EXACT`; indices on the
    /// sample clock, as in the file's `/intervals/acquisition_gaps`.
    static func gap(_ gap: AcquisitionGap) -> Logger.Metadata {
        [
            "gap_first_sample": "\(gap.firstSample)", "gap_end_sample": "\(gap.endSample)", "gap_samples": "\(gap.sampleCount)",
            "gap_cause": "\(gap.cause.rawValue)", "gap_exact": "\(gap.isExact)",
        ]
    }

    /// The fields of a gap that `stage` met.
    static func gap(_ gap: AcquisitionGap, at stage: PipelineStage) -> Logger.Metadata {
        Self.gap(gap).merging(Self.stage(stage)) { $1 }
    }
}
