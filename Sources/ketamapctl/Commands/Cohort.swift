import ArgumentParser
import Foundation
import KetaMapControl
import KetaMapReport

extension KetamapCtl {
    /// `ketamapctl cohort SESSIONS…`: many sessions' dose maps combined into one
    /// per region and band across subjects.
    struct Cohort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine the dose maps of many sessions into one per region and band across subjects.",
            discussion: """
                Each session is mapped as `ketamapctl report` maps it (or read from a report saved with `report --json`, \
                given as a .json file); a subject's change is the mean over its sessions, and the cohort's the mean over \
                subjects with a 95 % t interval over subjects.
                """)

        @Argument(help: ArgumentHelp("Session files (.nwb) or saved reports (.json).", valueName: "session"))
        var sessions: [String]

        @OptionGroup var alignment: ReportAlignment

        @OptionGroup var output: OutputFormat

        func validate() throws {
            guard !sessions.isEmpty else { throw ValidationError("name at least one session file") }
            for file in sessions where !FileManager.default.fileExists(atPath: file) { throw ValidationError("\(file): no such file") }
            // One session given twice would count twice among the subject's sessions.
            var seen: [String: String] = [:]
            for file in sessions {
                let resolved = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
                if let earlier = seen.updateValue(file, forKey: resolved) { throw ValidationError("\(file) is \(earlier), given twice; name each session once") }
            }
        }

        func run() async throws {
            let progress = ReportProgress()
            let reports = try sessions.map { file -> SessionReport in
                if file.hasSuffix(".json") {
                    do {
                        return try JSONText.decode(SessionReport.self, from: String(contentsOfFile: file, encoding: .utf8))
                    } catch {
                        throw UnreadableReport(description: "\(file) is not a report saved with `ketamapctl report --json` (\(DecodingErrorText.explain(error)))")
                    }
                }
                return try alignment.report(file, progress: progress).1
            }
            let cohort = try CohortMap(reports: reports)
            if output.json {
                print(try JSONText.encode(cohort))
            } else if output.csv {
                print(cohort.table().render(csv: true))
            } else {
                print(cohort.text())
            }
        }
    }
}

/// A saved report that cannot be read back (exit 1, as a session file that cannot be read).
private struct UnreadableReport: Error, CustomStringConvertible {
    let description: String
}
