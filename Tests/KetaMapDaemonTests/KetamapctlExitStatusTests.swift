import Foundation
import KetaMapTestSupport
import Testing

/// Every subcommand of `ketamapctl --help` run as a process, with no session
/// to reach and on recorded files: what it prints and its exit status, as
/// docs/control-protocol.md's table gives them. Against a running session:
/// `KetamapctlTests`, `DoseRecordTests`; after a crash: `CrashRecoveryTests`.
@Suite("ketamapctl output and exit status, subcommand by subcommand", .serialized)
struct KetamapctlExitStatusTests {
    /// One run: the arguments, the exit status and a line the output (standard
    /// output, then standard error) must hold. `$DIR` stands for the test's folder,
    /// `$A` and `$B` for the two recorded session files, `$A_JSON` for A's saved report, `$DIR/empty.report.json` an empty JSON object.
    struct Case: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let status: Int32
        let says: String

        init(_ arguments: [String], exits status: Int32, says: String) {
            self.arguments = arguments
            self.status = status
            self.says = says
        }

        var subcommand: String { arguments[0] }
        var testDescription: String { "ketamapctl \(arguments.joined(separator: " ")) → \(status)" }

        /// Runs the case in `folder`; `$NAME` tokens are replaced by `values[NAME]`.
        func run(in folder: String, _ values: [String: String] = [:]) async throws -> ProcessRunner.Result {
            let values = values.merging(["DIR": folder]) { $1 }
            func fill(_ text: String) -> String {
                values.keys.sorted { $0.count > $1.count }.reduce(text) { $0.replacingOccurrences(of: "$\($1)", with: values[$1]!) }
            }
            let result = try await ProcessRunner.run(
                ProcessRunner.binary("ketamapctl"), arguments.map(fill), timeout: 120, environment: ["KETAMAP_RUN_DIR": folder])
            #expect(result.status == status, "\(testDescription): exit \(result.status)\n\(result.output)\(result.error)")
            #expect((result.output + result.error).contains(fill(says)), "\(testDescription) does not say \(fill(says)):\n\(result.output)\(result.error)")
            return result
        }
    }

    static let unreachable = "cannot reach the session at $DIR/none.sock (No such file or directory); is it running?"

    /// Nothing to reach, nothing to read: the refusals a user meets first.
    static let casesWithoutASession: [Case] = [
        Case(["status", "--socket", "$DIR/none.sock"], exits: 3, says: Self.unreachable),
        Case(["dose", "--amount", "0.5", "--unit", "mg/kg", "--route", "iv-bolus", "--socket", "$DIR/none.sock"], exits: 1, says: Self.unreachable),
        Case(["dose", "--amount", "lots"], exits: 64, says: "--amount"),
        Case(["status", "--session", "../../etc/passwd"], exits: 64, says: "--session ../../etc/passwd: a session id has letters"),
        Case(["dose", "--drug", "keta\nmine", "--amount", "1", "--unit", "mg", "--route", "im"], exits: 64, says: "contains U+000A"),
        Case(["dose", "--amount", "0x10", "--unit", "mg", "--route", "im"], exits: 64, says: "The value '0x10' is invalid for '--amount <amount>'"),
        Case(["dose", "--amount", "1e1", "--unit", "mg", "--route", "im"], exits: 64, says: "The value '1e1' is invalid for '--amount <amount>'"),
        Case(["dose", "--amount", "1", "--route", "iv-infusion", "--over", "0.5s"], exits: 64, says: "refused: over must be a duration from 1 s to 7 days"),
        Case(["dose", "--amount", "1", "--route", "iv-infusion", "--over", "1h1h"], exits: 64, says: "The value '1h1h' is invalid for '--over <duration>'"),
        Case(["weight", "0x48"], exits: 64, says: "The value '0x48' is invalid"),
        Case(["void", "1", "--reason", "typo", "--socket", "$DIR/none.sock"], exits: 1, says: Self.unreachable),
        Case(["void", "first", "--reason", "typo"], exits: 64, says: "The value 'first' is invalid for '<event-id>'"),
        Case(["weight", "80kg", "--socket", "$DIR/none.sock"], exits: 1, says: Self.unreachable),
        Case(["mark", "eyes open", "--socket", "$DIR/none.sock"], exits: 1, says: Self.unreachable),
        Case(["sessions"], exits: 0, says: "no running sessions in $DIR\n"),
        Case(["devices", "--directory", "$DIR"], exits: 0, says: "no Comedi devices in $DIR"),
        Case(["check", "--config", "$DIR/none.toml"], exits: 78, says: "$DIR/none.toml: cannot open the file"),
        Case(["report", "$DIR/none.nwb"], exits: 64, says: "$DIR/none.nwb: no such file"),
        Case(["cohort", "$DIR/none.nwb"], exits: 64, says: "$DIR/none.nwb: no such file"),
        Case(["export-bids", "$DIR/none.nwb", "--root", "$DIR/bids"], exits: 64, says: "$DIR/none.nwb: no such file"),
        Case(["verify", "s1", "--dir", ""], exits: 64, says: "--dir must name the folder holding the session's files"),
        Case(["devices", "--directory", "$DIR/none"], exits: 64, says: "--directory $DIR/none: no such folder"),
        Case(["verify", "$DIR/none.nwb"], exits: 66, says: "no session file at $DIR/none.nwb"),
        Case(["recover", "$DIR/none.nwb"], exits: 66, says: "no session file at $DIR/none.nwb"),
    ]

    /// On two sessions `ketamapd` recorded and closed (subjects sim01 and sim02, a dose at 5 s).
    static let casesOnRecordedFiles: [Case] = [
        Case(["report", "$A", "--baseline", "2s", "--window", "0s..2s"], exits: 0, says: "Dose: event 1: ketamine 0.5 mg/kg iv-infusion"),
        Case(["report", "$DIR/ketamapd.toml"], exits: 1, says: "$DIR/ketamapd.toml: H5Fopen"),
        Case(["report", "$DIR/ketamapd.toml"], exits: 1, says: "It is not an HDF5 file"),
        Case(["report", "$DIR"], exits: 1, says: "$DIR is not a regular file (a folder, a pipe or a device): give the path of a session file (.nwb)"),
        Case(["export-bids", "$A", "--root", ""], exits: 64, says: "--root must name the dataset's folder"),
        Case(["export-bids", "$A", "--root", "$DIR/ketamapd.toml"], exits: 1, says: "$DIR/ketamapd.toml is a file, not a folder"),
        Case(["report", "$A", "--baseline", "2s", "--window", "0s..2s", "--svg", ""], exits: 64, says: "--svg must name the file to write"),
        Case(["report", "$A", "--baseline", "2s", "--window", "0s..2s", "--svg", "$DIR/ketamapd.toml/map.svg"], exits: 1, says: "cannot write $DIR/ketamapd.toml/map.svg: $DIR/ketamapd.toml is a file, not a folder"),
        Case(["report", "$A", "--baseline", "0.5s"], exits: 64, says: "--baseline must be at least 1s"),
        Case(["report", "$A", "--window", "2s..2.5s"], exits: 64, says: "--window must span at least 1s"),
        Case(["report", "$A", "--at", "1h", "--baseline", "2s", "--window", "0s..2s"], exits: 1, says: "--at at 1:00:00.0 is after the recording's band power ends, at 0:00:"),
        Case(["cohort", "$A_JSON", "$B", "--baseline", "2s", "--window", "0s..2s"], exits: 0, says: "Cohort of 2 subjects (sim01, sim02)"),
        Case(["cohort", "$A", "$B", "$A"], exits: 64, says: "$A is $A, given twice; name each session once"),
        Case(["cohort", "$DIR/empty.report.json"], exits: 1, says: "$DIR/empty.report.json is not a report saved with `ketamapctl report --json` (subjectID is missing)"),
        Case(["report", "$A", "--dose", "2", "--baseline", "2s", "--window", "0s..2s"], exits: 1, says: "the session has 1 dose; --dose 1 is the only one"),
        Case(["cohort", "$A", "--csv", "--baseline", "2s", "--window", "0s..2s"], exits: 0, says: "region,band,subjects,sessions,mean_db,low_db,high_db,significant,subjects_significant\n"),
        Case(["export-bids", "$A", "--root", "$DIR/bids"], exits: 0, says: "$DIR/bids/sub-sim01/"),
        Case(["export-bids", "$A", "--root", "$DIR/bids"], exits: 1, says: "exists"),
        Case(["verify", "$A"], exits: 0, says: "$A: consistent"),
        Case(["recover", "$B"], exits: 0, says: "$B: closed already, nothing to recover"),
    ]

    /// The subcommands `ketamapctl --help` lists.
    static func subcommands() async throws -> Set<String> {
        let help = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["--help"]).output
        return Set((help.components(separatedBy: "SUBCOMMANDS:").last ?? "").split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first, !name.hasPrefix("See") else { return nil }
            return String(name)
        })
    }

    @Test("every subcommand of --help has its cases here, with no session and on recorded files")
    func everySubcommandIsRun() async throws {
        let listed = try await Self.subcommands()
        #expect(listed.count >= 13, "\(listed)")
        #expect(Set(Self.casesWithoutASession.map(\.subcommand)) == listed, "a subcommand without a case for a user with no session")
        let fileCommands: Set = ["report", "cohort", "export-bids", "verify", "recover"]
        #expect(fileCommands.isSubset(of: listed) && Set(Self.casesOnRecordedFiles.map(\.subcommand)) == fileCommands)
    }

    @Test("every subcommand's --help gives its defaults as they are typed, never a type's fields")
    func helpShowsDefaultsAsTyped() async throws {
        /// The help text on one line: it wraps inside `(default: …)`.
        func help(_ subcommand: String) async throws -> String {
            try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), [subcommand, "--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        let typeDump = try Regex(#"default: [A-Z][A-Za-z]*\("#)
        for subcommand in try await Self.subcommands() {
            let text = try await help(subcommand)
            #expect(text.firstMatch(of: typeDump) == nil, "ketamapctl \(subcommand) --help: \(text)")
        }
        let report = try await help("report")
        #expect(report.contains("(default: 10m)") && report.contains("(default: 5m..30m)"), "\(report)")
    }

    @Test("with no session to reach", arguments: casesWithoutASession)
    func withoutASession(_ run: Case) async throws {
        let folder = try TemporaryFolder("ctl")
        _ = try await run.run(in: folder.path)
    }

    @Test("on files ketamapd recorded: report, cohort (a saved report and a file), export-bids (once), verify, recover")
    func onRecordedFiles() async throws {
        let workspace = try EndToEndTests.Workspace(doseAt: 5)
        let folder = workspace.directory.path
        for (session, subject) in [("a", "sim01"), ("b", "sim02")] {
            let config = "\(folder)/\(session).toml"
            try String(contentsOfFile: workspace.configPath, encoding: .utf8).replacingOccurrences(of: "id = \"sim01\"", with: "id = \"\(subject)\"")
                .write(toFile: config, atomically: true, encoding: .utf8)
            let recorded = try await ProcessRunner.run(ProcessRunner.binary("ketamapd"), [
                "--config", config, "--session", session, "--output-dir", folder, "--control-socket", "\(folder)/\(session).sock",
                "--duration", "10", "--as-fast-as-possible",
            ])
            try #require(recorded.status == 0, "ketamapd \(session): \(recorded.error)")
        }
        let values = ["A": workspace.nwb("a"), "B": workspace.nwb("b"), "A_JSON": "\(folder)/a.report.json"]
        let saved = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapctl"), ["report", workspace.nwb("a"), "--json", "--baseline", "2s", "--window", "0s..2s"], timeout: 120)
        try #require(saved.status == 0, "report --json: \(saved.error)")
        try saved.output.write(toFile: values["A_JSON"]!, atomically: true, encoding: .utf8)
        try "{}".write(toFile: "\(folder)/empty.report.json", atomically: true, encoding: .utf8)  // JSON, but no report

        for run in Self.casesOnRecordedFiles {
            let result = try await run.run(in: folder, values)
            if run.subcommand == "export-bids" && run.status == 0 {
                let written = result.output.split(separator: "\n").map(String.init)
                #expect(!written.isEmpty && written.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "export-bids prints the paths it wrote: \(written)")
                #expect(written.contains { $0.hasSuffix("_ieeg.nwb") } && written.contains { $0.hasSuffix("_events.tsv") }, "\(written)")
            }
        }
    }
}
