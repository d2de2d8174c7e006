import KetaMapCore

/// What a session's event log says was recorded: every dose and mark it
/// holds, less those a `refused` record cancels. The file must hold exactly
/// these (`ketamapctl verify`); after a crash, the ones it lacks are added
/// from here (`ketamapctl recover`).
struct SessionLedger {
    var doses: [DoseEvent] = []
    var marks: [Mark] = []

    init(_ records: [EventRecord]) {
        let refused = Set(records.compactMap(\.refusedEventID))
        for record in records where record.eventID.map({ !refused.contains($0) }) ?? false {
            if let dose = record.dose { doses.append(dose) }
            if let mark = record.mark { marks.append(mark) }
        }
    }

    /// Doses of the ledger the file lacks (matched by start sample, which two doses never share).
    func doses(missingFrom file: [DoseEvent]) -> [DoseEvent] {
        let present = Set(file.map(\.sampleIndex))
        return doses.filter { !present.contains($0.sampleIndex) }
    }

    /// Marks of the ledger the file lacks (matched by sample and text).
    func marks(missingFrom file: [Mark]) -> [Mark] {
        var present = Dictionary(file.map { (MarkKey($0), 1) }, uniquingKeysWith: +)
        return marks.filter { mark in
            guard let count = present[MarkKey(mark)], count > 0 else { return true }
            present[MarkKey(mark)] = count - 1
            return false
        }
    }

    private struct MarkKey: Hashable {
        let sample: UInt64
        let text: String
        init(_ mark: Mark) {
            sample = mark.sampleIndex
            text = mark.text
        }
    }
}
