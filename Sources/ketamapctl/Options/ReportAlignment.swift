import ArgumentParser
import Foundation
import KetaMapControl
import KetaMapReport

/// What a dose map compares: a baseline before time 0 (a dose, or `--at`) and a
/// window after it. Shared by `report` and `cohort`.
struct ReportAlignment: ParsableArguments {
    @Option(help: ArgumentHelp("Baseline length before the dose, e.g. 10m.", valueName: "duration"))
    var baseline = DurationArgument(seconds: 600)

    @Option(help: ArgumentHelp("Window after the dose, e.g. 5m..30m.", valueName: "start..end"))
    var window = TimeWindow(startSeconds: 300, endSeconds: 1800)

    @Option(help: ArgumentHelp("Which dose to align to (1 = the first).", valueName: "n"))
    var dose = 1

    @Option(help: ArgumentHelp("Align to this time instead of a dose (a comparison without drug, e.g. a control session), e.g. 10m.", valueName: "time"))
    var at: DurationArgument?

    func validate() throws {
        guard dose >= 1 else { throw ValidationError("--dose counts from 1") }
        // Before the file is read: shorter ranges would have the spectra computed for nothing.
        guard baseline.seconds >= 1 else { throw ValidationError("--baseline must be at least 1s") }
        guard window.endSeconds - window.startSeconds >= 1 else { throw ValidationError("--window must span at least 1s") }
    }

    /// Reads `file` and maps it, telling `progress` as it goes.
    func report(_ file: String, progress: ReportProgress) throws -> (ReportInput, SessionReport) {
        progress.say("reading \(file)")
        let session = try SessionReportInput(path: file)
        defer { session.close() }
        let requested = window.startSeconds...window.endSeconds
        var shortest = min(baseline.seconds, window.endSeconds - window.startSeconds)
        // The spectra's segments must fit three times in the ranges as clipped to the
        // recording, which the file's metadata settles before any spectrum is computed.
        let timeline = session.timeline(shortestRangeSeconds: shortest)
        if let ranges = try? SessionReport.ranges(
            timeline: timeline, doseIndex: dose - 1, alignedAtSeconds: at?.seconds, baselineSeconds: baseline.seconds, window: requested),
            3 * timeline.rowSeconds > ranges.shortestSeconds
        {
            shortest = ranges.shortestSeconds
        }
        let input = try session.read(shortestRangeSeconds: shortest, progress: progress.say)
        let report = try SessionReport(
            input: input, doseIndex: dose - 1, alignedAtSeconds: at?.seconds, baselineSeconds: baseline.seconds, window: requested,
            progress: progress.regions)
        progress.finish()
        return (input, report)
    }
}
