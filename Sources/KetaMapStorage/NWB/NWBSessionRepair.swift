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
    /// then finishes the file with `note` as its fault.
    public static func complete(_ path: String, adding doses: [DoseEvent], marks: [Mark], note: String) throws {
        let file = try HDF5File.open(path, mode: .readWrite)
        do {
            if !doses.isEmpty { try append(doses.map { NWBSchema.DosingRow(dose: $0) }, to: NWBLayout.dosing, fields: NWBSchema.dosing(), root: file.root) }
            // The clock only words the columns' descriptions, which the file keeps as written.
            if !marks.isEmpty { try append(marks, to: NWBLayout.marks, fields: NWBSchema.marks(NWBSchema.EventClock(rateHz: 1)), root: file.root) }
        } catch {
            try? file.close()
            throw error
        }
        try file.close()
        try NWBSessionWriter.finish(path: path, fault: note)
    }

    private static func append<Row>(_ rows: [Row], to table: String, fields: [NWBField<Row>], root: HDF5Location) throws {
        let opened: NWBTable<Row>
        do {
            opened = try NWBTable(opening: table, fields: fields, root: root)
        } catch is NWBTableMismatch {
            // A session of several streams has per-stream dose columns only its writer can fill.
            throw SessionFileError("\(table) has columns recovery cannot fill (a session of several streams): add its rows by hand", path: table)
        }
        defer { try? opened.close() }
        try rows.withUnsafeBufferPointer { (rows) throws(HDF5Error) in try opened.append(rows) }
    }
}
