import ArgumentParser
import Foundation
import KetaMapDaemon
import KetaMapControl
import KetaMapReport

extension KetamapCtl {
    /// `ketamapctl report SESSION.nwb`: the dose-aligned change of band power and
    /// spike rate per brain region (the "map").
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a session file: band power and spike rate change per region after a dose.",
            discussion: "Band power change is 10·log10(window mean / baseline mean) per channel, averaged per region.")

        @Argument(help: ArgumentHelp("A KetaMap session file.", valueName: "session.nwb"))
        var file: String

        @Option(help: ArgumentHelp("Baseline length before the dose, e.g. 10m.", valueName: "duration"))
        var baseline = DurationArgument(seconds: 600)

        @Option(help: ArgumentHelp("Window after the dose, e.g. 5m..30m.", valueName: "start..end"))
        var window = TimeWindow(startSeconds: 300, endSeconds: 1800)

        @Option(help: ArgumentHelp("Which dose to align to (1 = the first).", valueName: "n"))
        var dose = 1

        @Option(help: ArgumentHelp("Also write the map as an SVG heat map to this path.", valueName: "path"))
        var svg: String?

        @OptionGroup var output: OutputFormat

        func validate() throws {
            guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("\(file): no such file") }
            guard dose >= 1 else { throw ValidationError("--dose counts from 1") }
        }

        func run() async throws {
            let input = try SessionReportInput.read(path: file)
            let report = try SessionReport(input: input, doseIndex: dose - 1, baselineSeconds: baseline.seconds, window: window.startSeconds...window.endSeconds)
            if output.json {
                print(try JSONText.encode(report))
            } else if output.csv {
                print(report.table().render(csv: true))
            } else {
                print(report.text())
            }
            if let svg {
                try report.svg().write(toFile: svg, atomically: true, encoding: .utf8)
                if !output.json && !output.csv { print("\nmap written to \(svg)") }
            }
        }
    }
}
