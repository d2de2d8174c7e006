import KetaMapCore

/// Mending a session file whose writer never closed it (`ketamapd` was
/// killed, or the machine went down): the SWMR writer's mark is cleared, the
/// rows it never wrote are added, and the file is finished as a clean close
/// finishes it (the note in `/general/notes`, empty tables removed, interval
/// tables in `start_time` order, text columns as pynwb writes them).
public enum NWBSessionRepair {
    /// Whether the file's superblock still says a writer has it open (it then
    /// opens only for SWMR reading until the mark is cleared).
    public static func isMarkedOpenForWriting(_ path: String) -> Bool {
        guard let file = try? HDF5File.open(path, mode: .readOnly) else {
            guard let swmr = try? HDF5File.open(path, mode: .swmrRead) else { return false }
            try? swmr.close()
            return true
        }
        try? file.close()
        return false
    }

    /// Clears the writer's mark, as `h5clear -s --increment=0` does (nothing the writer wrote is cut off).
    public static func clearWriterMark(_ path: String) throws {
        try HDF5Calls.clearStatusFlags(path)
    }

    /// Appends `doses` and `marks` (the writer's rows, in the given order),
    /// then finishes the file with `note` as its fault. In a session of several
    /// streams a dose's `session_time` and `sample_index_<name>` come from the
    /// clock tables as the writer's did: the first stream's newest row before
    /// the dose, then each other stream's newest row before that session time.
    public static func complete(_ path: String, adding doses: [DoseEvent], marks: [Mark], note: String) throws {
        let reader = try NWBSessionReader(path: path)
        let streams = reader.streams
        let clocks = try streams.indices.map { try reader.streamClock(stream: $0) }
        reader.close()
        let file = try HDF5File.open(path, mode: .readWrite)
        do {
            if !doses.isEmpty {
                let fields = NWBSchema.dosing(
                    firstStream: streams.count > 1 ? streams[0].name ?? "" : nil, otherStreams: streams.dropFirst().map { $0.name ?? "" })
                try append(doses.map { dosingRow($0, streams: streams, clocks: clocks) }, to: NWBLayout.dosing, fields: fields, root: file.root)
            }
            // The clock only words the columns' descriptions, which the file keeps as written.
            if !marks.isEmpty { try append(marks, to: NWBLayout.marks, fields: NWBSchema.marks(NWBSchema.EventClock(rateHz: 1)), root: file.root) }
        } catch {
            try? file.close()
            throw error
        }
        try file.close()
        try NWBSessionWriter.finish(path: path, fault: note, streams: streams.map(\.name))
    }

    /// The dose's row, with the columns a session of several streams adds (none for one stream).
    static func dosingRow(_ dose: DoseEvent, streams: [NWBSessionReader.Stream], clocks: [[NWBSessionReader.StreamClockRow]]) -> NWBSchema.DosingRow {
        guard streams.count > 1 else { return NWBSchema.DosingRow(dose: dose) }
        func offset(_ rows: [NWBSessionReader.StreamClockRow], before isBefore: (NWBSessionReader.StreamClockRow) -> Bool) -> Double {
            (rows.last(where: isBefore) ?? rows.first)?.offsetSeconds ?? 0
        }
        let sessionTime = dose.startSeconds + offset(clocks[0]) { $0.sampleIndex <= dose.sampleIndex }
        return NWBSchema.DosingRow(
            dose: dose, sessionSeconds: sessionTime,
            otherStreamSampleIndices: zip(streams, clocks).dropFirst().map { stream, rows in
                let own = sessionTime - offset(rows) { $0.sessionSeconds <= sessionTime }
                return Int64(max(0, (own * stream.format.sampleRateHz).rounded()))
            })
    }

    private static func append<Row>(_ rows: [Row], to table: String, fields: [NWBField<Row>], root: HDF5Location) throws {
        let opened: NWBTable<Row>
        do {
            opened = try NWBTable(opening: table, fields: fields, root: root)
        } catch let mismatch as NWBTableMismatch {
            throw SessionFileError("\(mismatch): recovery cannot fill it; add its rows by hand", path: table)
        }
        defer { try? opened.close() }
        try rows.withUnsafeBufferPointer { (rows) throws(HDF5Error) in try opened.append(rows) }
    }
}
