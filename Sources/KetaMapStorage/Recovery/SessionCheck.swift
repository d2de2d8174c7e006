import Foundation
import KetaMapCore
import SystemPackage

/// `ketamapctl verify`: whether a closed session's files are what its close
/// left and agree with each other: the manifest's SHA-256s, the sample count
/// against the sample clock, the gaps, and the file's doses and marks against
/// the event log (every recorded one present, no refused one).
public struct SessionCheck: Sendable {
    /// One thing found wrong, in words.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public enum Verdict: Sendable, Equatable {
        /// The files are as the close left them and agree.
        case consistent
        /// The session was never closed (it crashed): `ketamapctl recover` first.
        case notClosed
        /// Something disagrees or was changed after the close.
        case inconsistent
    }

    /// What was found wrong; empty when consistent.
    public private(set) var problems: [String] = []
    /// Why the session counts as not closed; empty when it was closed.
    public private(set) var unclosed: [String] = []
    /// What was checked and held, for the report.
    public private(set) var facts: [String] = []

    public var verdict: Verdict { !unclosed.isEmpty ? .notClosed : problems.isEmpty ? .consistent : .inconsistent }

    public init(_ files: SessionFiles) throws {
        try SessionRecovery.requireFiles(files)
        do {
            _ = try SessionLock(sessionID: files.sessionID, paths: ["\(files.directory)/\(files.sessionID).lock"])
        } catch let held as SessionLock.Held {
            throw SessionRecovery.Failure.running(held)
        }
        checkManifest(files)
        if NWBSessionRepair.isMarkedOpenForWriting(files.nwbPath) { unclosed.append("\(files.nwbPath) is still marked open by its writer") }
        let records: [EventRecord], intactBytes: Int
        do {
            (records, intactBytes) = try EventLog.readIntact(FilePath(files.eventsPath))
        } catch let changed as EventLog.UnreadableLine {
            problems.append("\(changed)")
            return
        }
        let logBytes = (try FileManager.default.attributesOfItem(atPath: files.eventsPath)[.size] as? Int) ?? intactBytes
        if intactBytes < logBytes { unclosed.append("the event log's last line is cut short") }
        if records.last?.kind != .sessionEnded { unclosed.append("the event log has no session-ended line") }
        guard unclosed.isEmpty else { return }
        try checkFile(files, against: records)
    }

    private mutating func checkManifest(_ files: SessionFiles) {
        let path = SessionManifest.path(for: files)
        do {
            guard let manifest = try SessionManifest(reading: path) else {
                unclosed.append("there is no manifest \(path)")
                return
            }
            let now = try SessionManifest(hashing: files)
            for name in SessionManifest.names(for: files) {
                guard let expected = manifest.digests[name] else {
                    problems.append("the manifest does not cover \(name)")
                    continue
                }
                if now.digests[name] != expected { problems.append("\(name) changed after the close: its SHA-256 is not the manifest's") }
            }
            if problems.isEmpty { facts.append("SHA-256 of \(manifest.digests.count) files as in the manifest") }
        } catch {
            problems.append("the manifest could not be checked: \(error)")
        }
    }

    private mutating func checkFile(_ files: SessionFiles, against records: [EventRecord]) throws {
        let reader = try NWBSessionReader(path: files.nwbPath)
        defer { reader.close() }
        let frames = reader.frameCount
        let clock = try reader.clockSamples()
        for (earlier, later) in zip(clock, clock.dropFirst())
        where later.sampleIndex < earlier.sampleIndex || later.monotonicSeconds < earlier.monotonicSeconds {
            problems.append("the sample clock runs backwards: sample \(earlier.sampleIndex) → \(later.sampleIndex)")
        }
        if let last = clock.last, last.sampleIndex > frames {
            problems.append("the sample clock reached sample \(last.sampleIndex) but the file has \(frames) frames: samples are missing")
        }
        facts.append("\(frames) frames, \(clock.count) sample-clock rows, none beyond the last frame")

        let gaps = try reader.gaps().sorted { $0.firstSample < $1.firstSample }
        for gap in gaps where gap.endSample > frames { problems.append("a gap at sample \(gap.firstSample) ends after the last frame") }
        for (earlier, later) in zip(gaps, gaps.dropFirst()) where later.firstSample < earlier.endSample {
            problems.append("gaps at samples \(earlier.firstSample) and \(later.firstSample) overlap")
        }
        facts.append("\(gaps.count) gap(s), \(gaps.reduce(0) { $0 + $1.sampleCount }) frames, within the recording and apart")

        let ledger = SessionLedger(records)
        let (doses, marks) = (try reader.doses(), try reader.marks())
        for dose in ledger.doses(missingFrom: doses) { problems.append("the dose at sample \(dose.sampleIndex) (event \(dose.eventID)) is in the event log but not in the file") }
        let logged = Set(ledger.doses.map(\.sampleIndex))
        for dose in doses where !logged.contains(dose.sampleIndex) { problems.append("the dose at sample \(dose.sampleIndex) is in the file but not recorded in the event log") }
        for mark in ledger.marks(missingFrom: marks) { problems.append("the mark \"\(mark.text)\" at sample \(mark.sampleIndex) is in the event log but not in the file") }
        if marks.count > ledger.marks.count { problems.append("the file has \(marks.count) marks, the event log records \(ledger.marks.count)") }
        // A clean close drains every acquired frame; after a crash the last second or so is lost, but not the doses given in it.
        let late = doses.filter { $0.sampleIndex > frames }
        if SessionRecovery.wasRecovered(faultNote: reader.faultNote) {
            if !late.isEmpty { facts.append("\(late.count) dose(s) stamped after the last frame the crash left") }
        } else {
            for dose in late { problems.append("the dose at sample \(dose.sampleIndex) is after the last frame") }
        }
        facts.append("\(doses.count) dose(s) and \(marks.count) mark(s), as the event log records them")
    }
}
