import KetaMapCore

/// Mending a session file whose writer never closed it (`ketamapd` was
/// killed, or the machine went down): the SWMR writer's mark is cleared, the
/// rows it never wrote are added, and the file is finished as a clean close
/// finishes it (the note in `/general/notes`, empty tables removed, text
/// columns as pynwb writes them).
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

    /// Clears the writer's mark, as `h5clear -s` does.
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
                try append(
                    doses.map { NWBSessionWriter.row($0) + streamCells($0, streams: streams, clocks: clocks) }, to: NWBLayout.dosing, root: file.root)
            }
            if !marks.isEmpty { try append(marks.map(NWBSessionWriter.row), to: NWBLayout.marks, root: file.root) }
        } catch {
            try? file.close()
            throw error
        }
        try file.close()
        try NWBSessionWriter.finish(path: path, fault: note, streams: streams.map(\.name))
    }

    /// The dose's cells of the columns a session of several streams adds (none for one stream).
    static func streamCells(_ dose: DoseEvent, streams: [NWBSessionReader.Stream], clocks: [[NWBSessionReader.StreamClockRow]]) -> [NWBCell] {
        guard streams.count > 1 else { return [] }
        func offset(_ rows: [NWBSessionReader.StreamClockRow], before isBefore: (NWBSessionReader.StreamClockRow) -> Bool) -> Double {
            (rows.last(where: isBefore) ?? rows.first)?.offsetSeconds ?? 0
        }
        let sessionTime = dose.startSeconds + offset(clocks[0]) { $0.sampleIndex <= dose.sampleIndex }
        return [.double(sessionTime)] + zip(streams, clocks).dropFirst().map { stream, rows in
            let own = sessionTime - offset(rows) { $0.sessionSeconds <= sessionTime }
            return .int(Int64(max(0, (own * stream.format.sampleRateHz).rounded())))
        }
    }

    private static func append(_ rows: [[NWBCell]], to table: String, root: HDF5Location) throws {
        let opened = try NWBTable(opening: table, root: root)
        defer { try? opened.close() }
        guard rows.allSatisfy({ $0.count == opened.columns.count }) else {
            throw SessionFileError("\(table) has \(opened.columns.count) columns, recovery fills \(rows.first?.count ?? 0): add its rows by hand", path: table)
        }
        for row in rows { try opened.appendRow(row) }
    }
}
