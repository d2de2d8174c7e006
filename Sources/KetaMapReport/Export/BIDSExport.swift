import Foundation
import KetaMapCore
import KetaMapConfiguration
import KetaMapStorage

/// Adds one session file to a BIDS-iEEG dataset (BIDS 1.10): the NWB file
/// itself as the data, and beside it the sidecars BIDS asks for, filled from
/// the file: channels with the recorded filter cut-offs, electrodes in the
/// montage's space, the coordinate system, doses and marks as events.
///
/// ```
///   ROOT/dataset_description.json  README  participants.tsv  participants.json
///   ROOT/sub-<subject>/ses-<session>/ieeg/
///       sub-…_ses-…_task-<task>_ieeg.nwb  _ieeg.json  _channels.tsv  _events.tsv  _events.json
///       sub-…_ses-…_space-<space>_electrodes.tsv  _electrodes.json  _coordsystem.json
/// ```
public struct BIDSExport {
    public struct Options: Sendable {
        /// BIDS task label (letters and digits).
        public var task = "ketamine"
        /// BIDS session label; default: the session id's letters and digits.
        public var sessionLabel: String?
        /// De-identification: dates shifted back by this many days (see `NWBDeidentification`).
        public var shiftDays: Int?

        public init(task: String = "ketamine", sessionLabel: String? = nil, shiftDays: Int? = nil) {
            self.task = task
            self.sessionLabel = sessionLabel
            self.shiftDays = shiftDays
        }
    }

    /// Why an export cannot be made; nothing was written for the session.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public static let bidsVersion = "1.10.0"

    /// Writes `session` into the dataset at `root` (created if missing) and returns the files written.
    public static func export(session path: String, root: String, options: Options = Options()) throws -> [String] {
        let reader = try NWBSessionReader(path: path)
        defer { reader.close() }
        guard let subject = try reader.subject() else { throw Refusal(description: "\(path) has no /general/subject: BIDS needs a participant") }
        let subjectLabel = label(subject.id.hasPrefix("sub-") ? String(subject.id.dropFirst(4)) : subject.id)
        let sessionLabel = label(options.sessionLabel ?? reader.sessionID)
        let task = label(options.task)
        guard !subjectLabel.isEmpty, !sessionLabel.isEmpty, !task.isEmpty else {
            throw Refusal(description: "the subject, session and task labels need letters or digits (got `\(subjectLabel)`, `\(sessionLabel)`, `\(task)`)")
        }
        let folder = "\(root)/sub-\(subjectLabel)/ses-\(sessionLabel)/ieeg"
        let prefix = "sub-\(subjectLabel)_ses-\(sessionLabel)"
        let data = "\(folder)/\(prefix)_task-\(task)_ieeg.nwb"
        guard !FileManager.default.fileExists(atPath: data) else {
            throw Refusal(description: "\(data) exists: the dataset already holds this session (remove it first, or give --session-label)")
        }
        try FileOutputError.writing(folder) { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        var written: [String] = []
        func write(_ file: String, _ text: String) throws {
            try FileOutputError.writing(file) { try text.write(toFile: file, atomically: true, encoding: .utf8) }
            written.append(file)
        }

        let montage = reader.montage
        let cutoffs = Dictionary((reader.recordedMontage?.channels ?? []).map { ($0.name, ($0.lowCutoffHz, $0.highCutoffHz)) }) { a, _ in a }
        let doses = try reader.doses(), marks = try reader.marks()
        let rate = reader.format.sampleRateHz
        let duration = Double(reader.frameCount) / rate

        try FileManager.default.copyItem(atPath: path, toPath: data)
        written.append(data)
        if let days = options.shiftDays { try NWBDeidentification.shiftDates(path: data, days: days) }

        let lows = montage.channels.compactMap { cutoffs[$0.name]?.0 }, highs = montage.channels.compactMap { cutoffs[$0.name]?.1 }
        var hardwareFilters: Any = "n/a"
        if !lows.isEmpty || !highs.isEmpty {
            var filters: [String: Any] = [:]
            if let low = lows.max() { filters["HighpassFilter"] = ["CutoffFrequency": low] }
            if let high = highs.min() { filters["LowpassFilter"] = ["CutoffFrequency": high] }
            hardwareFilters = filters
        }
        let line = reader.processing?.lineFrequencyHz ?? 0
        try write("\(folder)/\(prefix)_task-\(task)_ieeg.json", json([
            "TaskName": task,
            "TaskDescription": "Recording before and after ketamine administration",
            "SamplingFrequency": rate,
            "PowerLineFrequency": line > 0 ? line : 50,
            "SoftwareFilters": "n/a",
            "HardwareFilters": hardwareFilters,
            "iEEGReference": "recording reference of the amplifier (samples are stored as recorded; re-referencing is in the file's processing module)",
            "SEEGChannelCount": montage.channels.count,
            "ECOGChannelCount": 0,
            "RecordingDuration": duration,
            "RecordingType": "continuous",
            "SoftwareVersions": "ketamapd \(reader.softwareVersion)",
        ]))

        func number(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "n/a" }
            return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }
        var channels = [["name", "type", "units", "low_cutoff", "high_cutoff", "reference", "group", "sampling_frequency", "status", "description"]]
        for c in montage.channels {
            channels.append([
                c.name, "SEEG", "µV", number(cutoffs[c.name]?.0), number(cutoffs[c.name]?.1), "n/a", c.group, number(rate),
                c.isGood ? "good" : "bad", c.kind == .micro ? "microwire" : "depth macro contact",
            ])
        }
        try write("\(folder)/\(prefix)_task-\(task)_channels.tsv", tsv(channels))

        var events = [["onset", "duration", "trial_type", "sample", "drug", "amount", "unit", "route", "note"]]
        for dose in doses {
            events.append([
                number(dose.startSeconds), number(dose.stopSeconds - dose.startSeconds), "dose", "\(dose.sampleIndex)", dose.request.drug,
                number(dose.request.amount), dose.request.unit.rawValue, dose.request.route.rawValue, cell(dose.request.note),
            ])
        }
        for mark in marks {
            events.append([number(mark.seconds), "0", "mark", "\(mark.sampleIndex)", "n/a", "n/a", "n/a", "n/a", cell(mark.text)])
        }
        try write("\(folder)/\(prefix)_task-\(task)_events.tsv", tsv(events))
        try write("\(folder)/\(prefix)_task-\(task)_events.json", json([
            "trial_type": ["Description": "What happened", "Levels": ["dose": "A drug administration, durable in the session file", "mark": "An operator's mark"]],
            "drug": ["Description": "Drug given"],
            "amount": ["Description": "Amount given, in `unit`"],
            "unit": ["Description": "Unit of `amount`"],
            "route": ["Description": "Route of administration"],
            "note": ["Description": "Free text: the dose's note or the mark's text"],
        ]))

        if montage.channels.contains(where: { $0.x != nil }) {
            let space = label(montage.coordinateSpace).isEmpty ? Montage.unstatedSpace : label(montage.coordinateSpace)
            var electrodes = [["name", "x", "y", "z", "size", "group", "type", "region"]]
            for c in montage.channels {
                electrodes.append([c.name, number(c.x), number(c.y), number(c.z), number(c.sizeSquareMillimeters), c.group, c.kind == .micro ? "microwire" : "depth", cell(c.region)])
            }
            try write("\(folder)/\(prefix)_space-\(space)_electrodes.tsv", tsv(electrodes))
            try write("\(folder)/\(prefix)_space-\(space)_electrodes.json", json([
                "region": ["Description": "Brain region of the contact, as the montage names it (the NWB electrodes table's location)"],
            ]))
            var system: [String: Any] = ["iEEGCoordinateSystem": space, "iEEGCoordinateUnits": "mm"]
            if space == Montage.unstatedSpace {
                system["iEEGCoordinateSystemDescription"] = "The montage does not state its space: millimetres on RAS axes (+x right, +y anterior, +z superior)."
            }
            try write("\(folder)/\(prefix)_space-\(space)_coordsystem.json", json(system))
        }

        try writeDatasetFiles(root: root, subjectLabel: subjectLabel, subject: subject, write: write)
        return written
    }

    /// dataset_description.json and README (when missing) and the participant's row in participants.tsv.
    private static func writeDatasetFiles(root: String, subjectLabel: String, subject: SubjectSettings, write: (String, String) throws -> Void) throws {
        let description = "\(root)/dataset_description.json"
        if !FileManager.default.fileExists(atPath: description) {
            try write(
                description,
                json([
                    "Name": "KetaMap sessions", "BIDSVersion": bidsVersion, "DatasetType": "raw",
                    "GeneratedBy": [["Name": "ketamapctl export-bids", "Version": KetaMapVersion.current]],
                ]))
        }
        let readme = "\(root)/README.md"
        if !FileManager.default.fileExists(atPath: readme) {
            try write(readme, "# KetaMap sessions\n\nStereo-EEG and microwire recordings around ketamine doses, one NWB file per session, written by ketamapd.\n")
        }
        let participants = "\(root)/participants.tsv"
        var rows = [["participant_id", "species", "sex", "age"]]
        if let text = try? String(contentsOfFile: participants, encoding: .utf8) {
            rows = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        }
        rows.removeAll { $0.first == "sub-\(subjectLabel)" }
        let sex = ["M": "M", "F": "F", "O": "O"][subject.sex.rawValue] ?? "n/a"
        rows.append(["sub-\(subjectLabel)", cell(subject.species), sex, bidsAge(subject.age)])
        try write(participants, tsv(rows))
        let sidecar = "\(root)/participants.json"
        if !FileManager.default.fileExists(atPath: sidecar) {
            try write(
                sidecar,
                json([
                    "species": ["Description": "Binomial species name"],
                    "sex": ["Description": "Sex of the participant", "Levels": ["M": "male", "F": "female", "O": "other"]],
                    "age": ["Description": "Age at the session in whole years (89+ from 89 on, as BIDS asks for de-identified data)", "Units": "year"],
                ]))
        }
    }

    /// Years from an ISO 8601 age (`P34Y`, `P34Y6M`, `P400D`), whole, `89+` from 89 on; `n/a` when unreadable.
    static func bidsAge(_ iso: String) -> String {
        if NWBDeidentification.cappedAge(iso) == NWBDeidentification.ageCap.iso { return "89+" }
        guard let years = NWBDeidentification.ageInYears(iso) else { return "n/a" }
        return String(Int(years.rounded(.down)))
    }

    /// A BIDS label: letters and digits only.
    static func label(_ text: String) -> String { String(text.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }) }

    /// A TSV cell: no tabs or newlines; `n/a` when empty.
    static func cell(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
        return clean.isEmpty ? "n/a" : clean
    }

    static func tsv(_ rows: [[String]]) -> String { rows.map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n" }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) + "\n"
    }
}
