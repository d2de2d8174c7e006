import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import SystemPackage
import KetaMapTestSupport
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

        init(session: String) async throws {
            workspace = try EndToEndTests.Workspace(doseAt: nil)
            self.session = session
            daemon = try await workspace.startDaemon(session: session)
        }

        /// Waits until `seconds` of samples are acquired.
        func waitUntilRecorded(seconds: Double) async throws {
            try await workspace.waitUntil("record \(seconds) s") { $0.recordedSeconds >= seconds }
        }

        func ctl(_ arguments: [String]) async throws -> ProcessRunner.Result { try await workspace.ctl(arguments) }

        /// Stops the session and returns what it printed.
        func stop() async throws -> ProcessRunner.Result {
            daemon.signal(SIGTERM)
            let ended = try await daemon.wait(timeout: 60)
            #expect(ended.status == 0, "ketamapd: \(ended.error)")
            return ended
        }

        var records: [EventRecord] { get throws { try EventLog.read(FilePath("\(workspace.directory.path)/\(session).events.jsonl")) } }
    }

    @Test("a refused absurd dose, an accepted override, totals, a weight change and a void: every reply, status and the file agree")
    func clinicianWorkflow() async throws {
        let live = try await LiveSession(session: "doses")
        // 1e307 typed out: ketamapctl takes digits only, and no --confirm records a number beyond any dose.
        let beyondAny = "1" + String(repeating: "0", count: 307)
        for absurd in [["--amount", "5000", "--unit", "mg/kg", "--route", "im"], ["--amount", beyondAny, "--unit", "mg/kg", "--route", "im", "--confirm"]] {
            let refused = try await live.ctl(["dose"] + absurd)
            #expect(refused.status != 0 && refused.output.isEmpty, "\(absurd): \(refused.output)")
            #expect(refused.error.contains(absurd[1] == "5000" ? "13 mg/kg limit" : "beyond any dose"), "\(refused.error)")
        }
        let override = try await live.ctl(["dose", "--amount", "6", "--unit", "mg/kg", "--route", "iv-bolus", "--confirm", "--note", "protocol amendment 4"])
        #expect(override.status == 0, "\(override.error)")
        #expect(override.output.contains("dose recorded as event 1: ketamine 6 mg/kg iv-bolus = 420 mg, 6 mg/kg at 70 kg"), "\(override.output)")
        #expect(override.output.contains("CONFIRMED OVER LIMIT: ketamine iv-bolus 6 mg/kg is above the 4.5 mg/kg limit"))
        #expect(override.output.contains("ketamapctl void 1 --reason"))

        try await live.waitUntilRecorded(seconds: 6)  // a baseline for the report before the dose it will align to
        let study = try await live.ctl(["dose", "--amount", "0.5", "--unit", "mg/kg", "--route", "iv-infusion", "--over", "40m", "--note", "study dose"])
        #expect(study.status == 0, "\(study.error)")
        #expect(study.output.contains("dose recorded as event 2: ketamine 0.5 mg/kg iv-infusion over 0:40:00.0 = 35 mg, 0.5 mg/kg at 70 kg, 0.75 mg/kg/h"), "\(study.output)")
        #expect(study.output.contains("previous dose 0:00:0"))
        #expect(study.output.contains("total   ketamine 455 mg (6.5 mg/kg) in 2 doses"), "\(study.output)")
        let rate = try await live.ctl(["dose", "--amount", "10", "--unit", "µg/kg/min", "--route", "iv-infusion", "--over", "10m"])
        #expect(rate.output.contains("event 3: ketamine 10 µg/kg/min iv-infusion over 0:10:00.0 = 7 mg, 0.1 mg/kg at 70 kg, 0.6 mg/kg/h"), "\(rate.output) \(rate.error)")
        let longNote = try await live.ctl(["dose", "--amount", "1", "--unit", "mg", "--route", "oral", "--note", String(repeating: "x", count: 2000)])
        #expect(longNote.status != 0 && longNote.error.contains("512 bytes"), "\(longNote.error)")
        let weight = try await live.ctl(["weight", "80kg"])
        #expect(weight.output.contains("weight 80 kg recorded as event 4"), "\(weight.output) \(weight.error)")
        let mark = try await live.ctl(["mark", "patient drowsy"])
        #expect(mark.output.contains("event 5"))
        let absolute = try await live.ctl(["dose", "--amount", "40", "--unit", "mg", "--route", "im", "--operator", "RN Smith"])
        #expect(absolute.output.contains("event 6: ketamine 40 mg im = 40 mg, 0.5 mg/kg at 80 kg"), "\(absolute.output) \(absolute.error)")
        let void = try await live.ctl(["void", "1", "--reason", "entered mg/kg, meant mg"])
        #expect(void.output.contains("dose 1 voided by event 7"), "\(void.output) \(void.error)")
        #expect(void.output.contains("total   ketamine 82 mg (1.1 mg/kg) in 3 doses"), "\(void.output)")
        let again = try await live.ctl(["void", "1", "--reason", "twice"])
        #expect(again.status != 0 && again.error.contains("already voided"))
        let status = try await live.ctl(["status"])
        #expect(status.output.contains("VOIDED by event 7"))
        #expect(status.output.contains("total   ketamine 82 mg (1.1 mg/kg) in 3 doses, last"), "\(status.output)")
        #expect(status.output.contains("total   last dose "))
        #expect(status.output.contains("total   weight 80 kg"))
        let json = try await live.ctl(["status", "--json"])
        try await StatusCommandTests.expectValid(json.output, schema: "status.schema.json")
        let decoded = try JSONDecoder().decode(SessionStatus.self, from: Data(json.output.utf8))
        #expect(decoded.dosing.voidedBy == [1: 7] && decoded.dosing.totals.map(\.doseCount) == [3], "\(json.output)")
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let dosing = object?["dosing"] as? [String: Any]
        #expect(dosing?["voidedBy"] as? [String: Int] == ["1": 7], "voids are an object keyed by the dose's event id")
        #expect(try #require(decoded.secondsSinceLastDose) >= 0)
        try await live.waitUntilRecorded(seconds: 9)  // a window after the study dose
        let ended = try await live.stop()
        #expect(ended.output.contains("VOIDED by event 7"))

        let records = try live.records
        #expect(records.map(\.kind) == [.sessionStarted, .weight, .dose, .dose, .dose, .weight, .mark, .dose, .void, .sessionEnded], "refusals log nothing")
        #expect(records.compactMap(\.dose).map(\.eventID) == [1, 2, 3, 6])
        try Self.expectFileAgreesWithLog(live.workspace.nwb(live.session), records)
        let report = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["report", live.workspace.nwb(live.session), "--baseline", "1s", "--window", "0s..1s"])
        #expect(report.status == 0, "\(report.error)")
        #expect(report.output.contains("Dose: event 2: ketamine 0.5 mg/kg"), "the report aligns to the first dose that stands: \(report.output)")
        #expect(report.output.contains("note: left out, voided: event 1: ketamine 6 mg/kg"), "the report honours the void")
    }

    @Test("the operator is the account the kernel names for the socket's peer (a second, non-root user made for the test); a typed name stays beside it")
    func operatorFromCredentials() async throws {
        let name = "kmt" + UUID().uuidString.prefix(8).lowercased()
        let added = try await ProcessRunner.run("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], timeout: 30)
        try #require(added.status == 0, "useradd: \(added.error)")
        defer { ProcessRunner.runBlocking("/usr/sbin/userdel", [name]) }
        let uid = try #require(UInt32(try await ProcessRunner.run("/usr/bin/id", ["-u", name], timeout: 10).output.trimmingCharacters(in: .whitespacesAndNewlines)))
        let gid = try #require(UInt32(try await ProcessRunner.run("/usr/bin/id", ["-g", name], timeout: 10).output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(uid != 0)

        let live = try await LiveSession(session: "who")
        try await live.waitUntilRecorded(seconds: 5)  // a baseline for the report, after the filters settle (3 s)
        var socket = stat()
        try #require(stat(live.workspace.socketPath, &socket) == 0)
        // The user joins the socket's group only (as clinicians join `ketamap`).
        let asUser = try await ProcessRunner.run(
            "/usr/bin/setpriv",
            ["--reuid=\(uid)", "--regid=\(gid)", "--groups=\(socket.st_gid)", "--", ProcessRunner.binary("ketamapctl"), "dose", "--amount", "0.25", "--unit", "mg/kg",
             "--route", "iv-bolus", "--operator", "Dr. Typed", "--socket", live.workspace.socketPath], timeout: 30)
        #expect(asUser.status == 0, "\(asUser.error)")
        #expect(asUser.output.contains("by \(name) (uid \(uid)), noted as \"Dr. Typed\""), "\(asUser.output)")
        let asRoot = try await live.ctl(["dose", "--amount", "0.25", "--unit", "mg/kg", "--route", "iv-bolus"])
        #expect(asRoot.output.contains("by root (uid 0)"), "\(asRoot.output)")
        await #expect(try live.ctl(["status"]).output.contains("by \(name) (uid \(uid))"))
        try await live.waitUntilRecorded(seconds: 7)  // a window after the doses
        _ = try await live.stop()
        let report = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["report", live.workspace.nwb(live.session), "--baseline", "1s", "--window", "0s..1s"])
        #expect(report.status == 0 && report.output.contains("Dose: event 1: ketamine 0.25 mg/kg") && report.output.contains("by \(name) (uid \(uid))"), "\(report.output)\(report.error)")

        let records = try live.records
        let logged = records.compactMap(\.dose)
        #expect(logged.first?.peer?.uid == uid && logged.first?.operatorAccount == name && logged.first?.request.operator == "Dr. Typed")
        let reader = try NWBSessionReader(path: live.workspace.nwb(live.session))
        let filed = try reader.doses()
        reader.close()
        #expect(filed.map(\.operatorAccount) == [name, "root"])
        #expect(filed.first?.peer == logged.first?.peer && filed.first?.request.operator == "Dr. Typed")
        try Self.expectFileAgreesWithLog(live.workspace.nwb(live.session), records)
    }

    /// The session file holds every dose, void, weight and mark exactly as the event log does, field by field.
    static func expectFileAgreesWithLog(_ path: String, _ records: [EventRecord]) throws {
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
        var same: [(String, Bool)] = []
        same.append(("event_id", a.eventID == b.eventID))
        same.append(("drug", a.request.drug == b.request.drug))
        same.append(("amount", a.request.amount == b.request.amount))
        same.append(("unit", a.request.unit == b.request.unit))
        same.append(("route", a.request.route == b.request.route))
        same.append(("duration_s", a.request.overSeconds == b.request.overSeconds))
        same.append(("operator", a.operatorAccount == b.operatorAccount))
        same.append(("operator_uid/gid/pid", a.peer == b.peer))
        same.append(("operator_note", a.request.operator == b.request.operator))
        same.append(("note", a.request.note == b.request.note))
        same.append(("confirmed", a.request.confirmed == b.request.confirmed))
        same.append(("amount_mg, amount_mg_per_kg, rate_mg_per_kg_per_h, weight_kg", a.normalized == b.normalized))
        same.append(("limit_override", a.limitOverride == b.limitOverride))
        same.append(("sample_index", a.sampleIndex == b.sampleIndex))
        same.append(("start_time", a.startSeconds == b.startSeconds))
        same.append(("stop_time", a.stopSeconds == b.stopSeconds))
        same.append(("wall_clock", a.wallClock == b.wallClock))
        same.append(("whole record", a == b))
        return same
    }
}
