import ArgumentParser
import Foundation
import KetaMapControl
import KetaMapReport
import KetaMapStorage

extension KetamapCtl {
    /// `ketamapctl report SESSION.nwb`: the dose-aligned change of band power and
    /// spike rate per brain region (the "map").
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a session file: band power and spike rate change per region after a dose.",
            discussion: "Band power change is 10·log10(window mean / baseline mean) per channel, averaged per region.")

        @Argument(help: ArgumentHelp("A KetaMap session file.", valueName: "session.nwb"))
        var file: String

        @OptionGroup var alignment: ReportAlignment

        @Option(help: ArgumentHelp("Also write the map as an SVG heat map (hemispheres side by side) to this path.", valueName: "path"))
        var svg: String?

        @Option(help: ArgumentHelp("Also write each region's band power around the dose as SVG to this path.", valueName: "path"))
        var timeCourseSvg: String?

        @Option(help: ArgumentHelp("Also write every contact on a glass brain (three projections) as SVG to this path.", valueName: "path"))
        var contactsSvg: String?

        @Option(help: ArgumentHelp("Band the contact map shows (default: the one that changed most).", valueName: "name"))
        var contactsBand: String?

        @OptionGroup var output: OutputFormat

        func validate() throws {
            guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("\(file): no such file") }
            for (option, path) in [("--svg", svg), ("--time-course-svg", timeCourseSvg), ("--contacts-svg", contactsSvg)] where path?.isEmpty == true {
                throw ValidationError("\(option) must name the file to write")
            }
        }

        func run() async throws {
            let (input, report) = try alignment.report(file, progress: ReportProgress())
            if output.json {
                print(try JSONText.encode(report))
            } else if output.csv {
                print(report.csvTable().render(csv: true))
            } else {
                print(report.text())
            }
            var pictures: [(path: String, what: String, text: () throws -> String)] = []
            if let svg { pictures.append((svg, "map", report.svg)) }
            if let timeCourseSvg { pictures.append((timeCourseSvg, "time courses", { DoseTimeCourse(input: input, report: report).svg() })) }
            if let contactsSvg {
                pictures.append((contactsSvg, "contact map", { try ContactMap(report: report, band: contactsBand, space: input.coordinateSpace).svg() }))
            }
            for picture in pictures {
                let text = try picture.text()
                try FileOutputError.writing(picture.path) { try text.write(toFile: picture.path, atomically: true, encoding: .utf8) }
                if !output.json && !output.csv { print("\n\(picture.what) written to \(picture.path)") }
            }
        }
    }
}
