import Foundation
import KetaMapCore
import KetaMapStorage
import SystemPackage
import Testing

@testable import KetaMapDaemon

/// The dose record as a clinician builds it through `ketamapctl`, and as the
/// file and the event log keep it.
@Suite("The dose record, end to end", .serialized)
struct DoseRecordTests {
    /// A real-time session on the simulator (4 kHz, weight 70 kg, no schedule).
    struct LiveSession {
        let workspace: EndToEndTests.Workspace
        let daemon: ProcessRunner.Running
        let session: String

        init(session: String) throws {
            workspace = try EndToEndTests.Workspace(doseAt: nil)
            self.session = session
            daemon = try ProcessRunner.start(ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: session, []))
            workspace.waitForSocket()
            try waitUntilRecording()
        }

        /// Waits for `status` to say recording (the first block is in the file).
        func waitUntilRecording() throws { try waitUntil { $0.state == .recording } }

        /// Waits until `seconds` of samples are acquired.
        func waitUntilRecorded(seconds: Double) throws { try waitUntil { $0.recordedSeconds >= seconds } }

        private func waitUntil(_ condition: (SessionStatus) -> Bool) throws {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let reply = try workspace.ctl(["status", "--json"])
                if let status = try? JSONDecoder().decode(SessionStatus.self, from: Data(reply.output.utf8)), condition(status) { return }
                usleep(100_000)
            }
            Issue.record("the session never reached the state waited for")
        }

        func ctl(_ arguments: [String]) throws -> ProcessRunner.Result { try workspace.ctl(arguments) }

        /// Stops the session and returns what it printed.
        func stop() throws -> ProcessRunner.Result {
            daemon.signal(SIGTERM)
            let ended = try daemon.wait(timeout: 60)
            #expect(ended.status == 0, "ketamapd: \(ended.error)")
            return ended
        }

        var records: [EventRecord] { get throws { try EventLog.read(FilePath("\(workspace.directory.path)/\(session).events.jsonl")) } }
    }

    @Test("a refused absurd dose, an accepted override, totals, a weight change and a void: every reply, status and the file agree")
    func clinicianWorkflow() throws {
        let live = try LiveSession(session: "doses")
        for absurd in [["--amount", "5000", "--unit", "mg/kg", "--route", "im"], ["--amount", "1e308", "--unit", "mg/kg", "--route", "im", "--confirm"]] {
            let refused = try live.ctl(["dose"] + absurd)
            #expect(refused.status != 0 && refused.output.isEmpty, "\(absurd): \(refused.output)")
            #expect(refused.error.contains(absurd[1] == "5000" ? "13 mg/kg limit" : "beyond any dose"), "\(refused.error)")
        }
        let override = try live.ctl(["dose", "--amount", "6", "--unit", "mg/kg", "--route", "iv-bolus", "--confirm", "--note", "protocol amendment 4"])
        #expect(override.status == 0, "\(override.error)")
        #expect(override.output.contains("dose recorded as event 1: ketamine 6 mg/kg iv-bolus = 420 mg, 6 mg/kg at 70 kg"), "\(override.output)")
        #expect(override.output.contains("CONFIRMED OVER LIMIT: ketamine iv-bolus 6 mg/kg is above the 4.5 mg/kg limit"))
        #expect(override.output.contains("ketamapctl void 1 --reason"))

        try live.waitUntilRecorded(seconds: 6)  // a baseline for the report before the dose it will align to
        let study = try live.ctl(["dose", "--amount", "0.5", "--unit", "mg/kg", "--route", "iv-infusion", "--over", "40m", "--note", "study dose"])
        #expect(study.status == 0, "\(study.error)")
        #expect(study.output.contains("dose recorded as event 2: ketamine 0.5 mg/kg iv-infusion over 0:40:00.0 = 35 mg, 0.5 mg/kg at 70 kg, 0.75 mg/kg/h"), "\(study.output)")
        #expect(study.output.contains("previous dose 0:00:0"))
        #expect(study.output.contains("total   ketamine 455 mg (6.5 mg/kg) in 2 doses"), "\(study.output)")
        let rate = try live.ctl(["dose", "--amount", "10", "--unit", "µg/kg/min", "--route", "iv-infusion", "--over", "10m"])
        #expect(rate.output.contains("event 3: ketamine 10 µg/kg/min iv-infusion over 0:10:00.0 = 7 mg, 0.1 mg/kg at 70 kg, 0.6 mg/kg/h"), "\(rate.output) \(rate.error)")
        let longNote = try live.ctl(["dose", "--amount", "1", "--unit", "mg", "--route", "oral", "--note", String(repeating: "x", count: 2000)])
        #expect(longNote.status != 0 && longNote.error.contains("512 bytes"), "\(longNote.error)")
        let weight = try live.ctl(["weight", "80kg"])
        #expect(weight.output.contains("weight 80 kg recorded as event 4"), "\(weight.output) \(weight.error)")
        let mark = try live.ctl(["mark", "patient drowsy"])
        #expect(mark.output.contains("event 5"))
        let absolute = try live.ctl(["dose", "--amount", "40", "--unit", "mg", "--route", "im", "--operator", "RN Smith"])
        #expect(absolute.output.contains("event 6: ketamine 40 mg im = 40 mg, 0.5 mg/kg at 80 kg"), "\(absolute.output) \(absolute.error)")
        let void = try live.ctl(["void", "1", "--reason", "entered mg/kg, meant mg"])
        #expect(void.output.contains("dose 1 voided by event 7"), "\(void.output) \(void.error)")
        #expect(void.output.contains("total   ketamine 82 mg (1.1 mg/kg) in 3 doses"), "\(void.output)")
        let again = try live.ctl(["void", "1", "--reason", "twice"])
        #expect(again.status != 0 && again.error.contains("already voided"))
        let status = try live.ctl(["status"])
        #expect(status.output.contains("VOIDED by event 7"))
        #expect(status.output.contains("total   ketamine 82 mg (1.1 mg/kg) in 3 doses, last"), "\(status.output)")
        #expect(status.output.contains("total   last dose "))
        #expect(status.output.contains("total   weight 80 kg"))
        try live.waitUntilRecorded(seconds: 9)  // a window after the study dose
        let ended = try live.stop()
        #expect(ended.output.contains("VOIDED by event 7"))

        let records = try live.records
        #expect(records.map(\.kind) == [.sessionStarted, .weight, .dose, .dose, .dose, .weight, .mark, .dose, .void, .sessionEnded], "refusals log nothing")
        #expect(records.compactMap(\.dose).map(\.eventID) == [1, 2, 3, 6])
        try expectFileAgreesWithLog(live.workspace.nwb(live.session), records)
        let report = try ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["report", live.workspace.nwb(live.session), "--baseline", "1s", "--window", "0s..1s"])
        #expect(report.status == 0, "\(report.error)")
        #expect(report.output.contains("Dose: event 2: ketamine 0.5 mg/kg"), "the report aligns to the first dose that stands: \(report.output)")
        #expect(report.output.contains("note: left out, voided: event 1: ketamine 6 mg/kg"), "the report honours the void")
    }

    /// The session file holds every dose, void, weight and mark exactly as the event log does, field by field.
    func expectFileAgreesWithLog(_ path: String, _ records: [EventRecord]) throws {
        let reader = try NWBSessionReader(path: path)
        defer { reader.close() }
        let fileDoses = try reader.doses(), logDoses = records.compactMap(\.dose)
        #expect(fileDoses.count == logDoses.count)
        for (file, log) in zip(fileDoses, logDoses) {
            for (field, same) in DoseRecordTests.fields(file, log) { #expect(same, "dose \(log.eventID): \(field) differs: file \(file) log \(log)") }
        }
        #expect(try reader.doseVoids() == records.compactMap(\.void))
        #expect(try reader.voidedDoses() == Dictionary(uniqueKeysWithValues: records.compactMap(\.void).map { ($0.voidedEventID, $0.eventID) }))
        #expect(try reader.weightChanges() == records.compactMap(\.weight))
        #expect(try reader.marks() == records.compactMap(\.mark))
    }

    /// Each recorded field of a dose, compared (so a failure names the field).
    static func fields(_ a: DoseEvent, _ b: DoseEvent) -> [(String, Bool)] {
        [
            ("event_id", a.eventID == b.eventID), ("drug", a.request.drug == b.request.drug), ("amount", a.request.amount == b.request.amount),
            ("unit", a.request.unit == b.request.unit), ("route", a.request.route == b.request.route),
            ("duration_s", a.request.overSeconds == b.request.overSeconds), ("operator", a.request.operator == b.request.operator),
            ("note", a.request.note == b.request.note), ("confirmed", a.request.confirmed == b.request.confirmed),
            ("amount_mg", a.normalized.milligrams == b.normalized.milligrams),
            ("amount_mg_per_kg", a.normalized.milligramsPerKilogram == b.normalized.milligramsPerKilogram),
            ("rate_mg_per_kg_per_h", a.normalized.milligramsPerKilogramPerHour == b.normalized.milligramsPerKilogramPerHour),
            ("weight_kg", a.normalized.weightKilograms == b.normalized.weightKilograms), ("limit_override", a.limitOverride == b.limitOverride),
            ("sample_index", a.sampleIndex == b.sampleIndex), ("start_time", a.startSeconds == b.startSeconds), ("stop_time", a.stopSeconds == b.stopSeconds),
            ("wall_clock", a.wallClock == b.wallClock), ("whole record", a == b),
        ]
    }
}
