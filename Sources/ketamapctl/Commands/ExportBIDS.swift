import ArgumentParser
import Foundation
import KetaMapControl
import KetaMapReport

extension KetamapCtl {
    /// `ketamapctl export-bids SESSION.nwb --root DIR`: adds a session to a BIDS-iEEG dataset.
    struct ExportBIDS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-bids",
            abstract: "Add a session file to a BIDS-iEEG dataset (the NWB file with its channels, electrodes, coordinate system and events).",
            discussion: "With --shift-days the dataset's copy has every date moved back by that many days (de-identification for sharing human data).")

        @Argument(help: ArgumentHelp("A KetaMap session file.", valueName: "session.nwb"))
        var file: String

        @Option(help: ArgumentHelp("The dataset's folder (created if missing).", valueName: "dir"))
        var root: String

        @Option(help: ArgumentHelp("BIDS task label.", valueName: "label"))
        var task = "ketamine"

        @Option(help: ArgumentHelp("BIDS session label (default: the session id).", valueName: "label"))
        var sessionLabel: String?

        @Option(help: ArgumentHelp("Move every date in the copy back by this many days.", valueName: "days"))
        var shiftDays: Int?

        func validate() throws {
            guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("\(file): no such file") }
            // An empty path would be taken as the root of the file system.
            guard !root.isEmpty else { throw ValidationError("--root must name the dataset's folder") }
            if let shiftDays, !(1...73_000).contains(shiftDays) { throw ValidationError("--shift-days must be between 1 and 73000") }
        }

        func run() async throws {
            let written = try BIDSExport.export(
                session: file, root: root, options: .init(task: task, sessionLabel: sessionLabel, shiftDays: shiftDays))
            for path in written { print(path) }
        }
    }
}
