import Foundation
import KetaMapCore
import SystemPackage

/// `ketamapctl recover`: brings a session that `ketamapd` never closed (it
/// was killed, or the machine went down) to what a close would have left:
///
/// 1. the event log's last line, if a crash cut it short, is dropped (it was
///    never synced, so never acknowledged);
/// 2. the session file's SWMR writer mark is cleared (`h5clear -s --increment=0`);
/// 3. every dose and mark of the log missing from the file is added to it;
/// 4. the file is finished with a note of what happened (`/general/notes`);
/// 5. the log gets its `session-ended` line, the disk reserve is deleted, and
///    the manifest is written.
///
/// The session's lock is held throughout: a running session is refused.
public enum SessionRecovery {
    /// Why a session could not be recovered.
    public enum Failure: Error, CustomStringConvertible {
        case notFound(String)
        case noEventLog(String)
        case running(SessionLock.Held)
        case killedInSetUp(String)

        public var description: String {
            switch self {
            case .notFound(let path): "no session file at \(path)"
            case .noEventLog(let path): "no event log at \(path): it is written beside the session file, and holds every acknowledged dose and mark"
            case .running(let held): "\(held)"
            case .killedInSetUp(let path):
                "\(path) was left by a session killed while setting up, before it recorded: it holds no samples and no acknowledged event; delete it"
            }
        }
    }

    /// What recovery did, one sentence per step taken.
    public struct Report: Sendable {
        public var actions: [String] = []
        public var addedDoses: [DoseEvent] = []
        public var addedMarks: [Mark] = []
        /// False when the session had been closed and nothing needed doing.
        public var changedAnything: Bool { !actions.isEmpty }
    }

    /// Whether a session file's fault note says `recover` finished it.
    public static func wasRecovered(faultNote: String?) -> Bool { faultNote?.contains(recoveredNote) == true }
    static let recoveredNote = "recovered by ketamapctl recover"

    /// The tag recovery adds to the note of each dose it writes from the log.
    public static let recoveredTag = "[from events.jsonl by ketamapctl recover]"

    /// Throws unless both of a session's files are there: its session file and its event log.
    static func requireFiles(_ files: SessionFiles) throws(Failure) {
        guard FileManager.default.fileExists(atPath: files.nwbPath) else {
            if FileManager.default.fileExists(atPath: files.nwbPath + ".creating") { throw .killedInSetUp(files.nwbPath + ".creating") }
            throw .notFound(files.nwbPath)
        }
        guard FileManager.default.fileExists(atPath: files.eventsPath) else { throw .noEventLog(files.eventsPath) }
    }

    public static func recover(_ files: SessionFiles) throws -> Report {
        try requireFiles(files)
        let lock: SessionLock
        do {
            lock = try SessionLock(sessionID: files.sessionID, paths: ["\(files.directory)/\(files.sessionID).lock"])
        } catch let held as SessionLock.Held {
            throw Failure.running(held)
        }
        defer { withExtendedLifetime(lock) {} }

        var report = Report()
        let logPath = FilePath(files.eventsPath)
        let (records, intactBytes) = try EventLog.readIntact(logPath)
        let logBytes = (try FileManager.default.attributesOfItem(atPath: files.eventsPath)[.size] as? Int) ?? intactBytes
        if intactBytes < logBytes {
            try FileHandle(forWritingTo: URL(fileURLWithPath: files.eventsPath)).truncate(atOffset: UInt64(intactBytes))
            report.actions.append("dropped the event log's last line, cut short by the crash (\(logBytes - intactBytes) bytes, never synced, so never acknowledged)")
        }

        let wasOpen = NWBSessionRepair.isMarkedOpenForWriting(files.nwbPath)
        if wasOpen {
            try NWBSessionRepair.clearWriterMark(files.nwbPath)
            report.actions.append("cleared the SWMR writer mark of \(files.nwbPath) (what h5clear -s --increment=0 does)")
        }
        let ledger = SessionLedger(records)
        let reader = try NWBSessionReader(path: files.nwbPath)
        let (inFileDoses, inFileMarks, frames) = (try reader.doses(), try reader.marks(), reader.frameCount)
        reader.close()
        report.addedDoses = ledger.doses(missingFrom: inFileDoses).map { dose in
            var dose = dose
            dose.request.note = dose.request.note.isEmpty ? recoveredTag : "\(dose.request.note) \(recoveredTag)"
            return dose
        }
        report.addedMarks = ledger.marks(missingFrom: inFileMarks)
        let ended = records.last?.kind == .sessionEnded
        if wasOpen || !report.addedDoses.isEmpty || !report.addedMarks.isEmpty {
            let added = "\(report.addedDoses.count) dose(s) and \(report.addedMarks.count) mark(s) logged but not in the file were added from the event log"
            let note = "ketamapd stopped without closing the session (killed, or the machine went down) after \(frames) frames; \(recoveredNote) at \(ISO8601.string(from: Date())): \(added)"
            try NWBSessionRepair.complete(files.nwbPath, adding: report.addedDoses, marks: report.addedMarks, note: note)
            report.actions.append("\(added); wrote the fault note in /general/notes")
        }
        if !ended {
            let log = try EventLog(appendingTo: logPath)
            try log.append(EventRecord(kind: .sessionEnded, sessionID: files.sessionID, detail: "ketamapd stopped without closing the session; recovered by ketamapctl recover"))
            try log.close()
            report.actions.append("wrote session-ended to \(files.eventsPath)")
        }
        let reserve = DiskReserve.path(for: files)
        if (try? POSIXCalls.unlink(reserve)) != nil { report.actions.append("deleted the disk reserve \(reserve)") }
        let manifestPath = SessionManifest.path(for: files)
        if report.changedAnything || !FileManager.default.fileExists(atPath: manifestPath) {
            try SessionManifest(hashing: files).write(to: manifestPath)
            report.actions.append("wrote the manifest \(manifestPath)")
        }
        return report
    }

    /// The session's files from what `ketamapctl recover`/`verify` is given:
    /// a session file's path, or a session stem in `directory`. The session id is
    /// the one its event log names.
    public static func files(for argument: String, directory: String) -> SessionFiles {
        var (folder, stem) = (directory, argument)
        if argument.hasSuffix(".nwb") || argument.contains("/") {
            let url = URL(fileURLWithPath: argument)
            folder = url.deletingLastPathComponent().path
            stem = url.lastPathComponent.hasSuffix(".nwb") ? String(url.lastPathComponent.dropLast(4)) : url.lastPathComponent
        }
        let logged = try? EventLog.readIntact(FilePath("\(folder)/\(stem).events.jsonl")).records.first?.sessionID
        return SessionFiles(sessionID: logged ?? stem, stem: stem, directory: folder)
    }
}
