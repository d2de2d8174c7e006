/// How one column of an NWB `DynamicTable` is stored, and what it says of itself.
struct NWBColumn {
    enum Kind {
        case float64, float32, int64
        /// Fixed-length UTF-8 text of at most this many bytes (SWMR-safe).
        case text(maxBytes: Int)
        /// h5py-style boolean (8-bit enum FALSE/TRUE).
        case bool
        /// A fixed-width row of float32 per table row (e.g. a waveform).
        case float32Row(width: Int)
        /// `DynamicTableRegion`: int64 row indices into the table at this path.
        case region(table: String)
    }

    var name: String
    var description: String
    var kind: Kind
    /// The neurodata type: `VectorData` (hdmf-common) unless given.
    var type: String = "VectorData"
    /// Extra numeric attributes (e.g. `resolution`) and text attributes (e.g. `unit`).
    var numberAttributes: [String: Double] = [:]
    var textAttributes: [String: String] = [:]
}

/// One column of a table of `Row`s, declared once: how it is stored and which
/// value of the row it holds. A table is its list of fields, so a column
/// cannot be left out of a row or take another column's value, and the
/// value's Swift type is the column's (`float64` takes a `Double`, …).
struct NWBField<Row> {
    let column: NWBColumn
    /// Bytes one row's value takes in the table's run buffer (0: text and bools, written from arrays).
    let valueBytes: Int
    /// Appends the column's values of `rows` to its dataset in one write, gathered in `run`.
    let append: (_ rows: UnsafeBufferPointer<Row>, _ dataset: HDF5Dataset, _ run: UnsafeMutableRawPointer) throws(HDF5Error) -> Void

    static func float64(
        _ name: String, _ description: String, type: String = "VectorData", numberAttributes: [String: Double] = [:],
        textAttributes: [String: String] = [:], _ value: @escaping (Row) -> Double
    ) -> NWBField {
        number(NWBColumn(name: name, description: description, kind: .float64, type: type, numberAttributes: numberAttributes, textAttributes: textAttributes), value)
    }

    static func float32(_ name: String, _ description: String, textAttributes: [String: String] = [:], _ value: @escaping (Row) -> Float) -> NWBField {
        number(NWBColumn(name: name, description: description, kind: .float32, textAttributes: textAttributes), value)
    }

    static func int64(_ name: String, _ description: String, _ value: @escaping (Row) -> Int64) -> NWBField {
        number(NWBColumn(name: name, description: description, kind: .int64), value)
    }

    /// Row indices into the table at `table` (a `DynamicTableRegion`).
    static func region(_ name: String, _ description: String, table: String, _ value: @escaping (Row) -> Int64) -> NWBField {
        number(NWBColumn(name: name, description: description, kind: .region(table: table)), value)
    }

    static func text(_ name: String, _ description: String, maxBytes: Int, _ value: @escaping (Row) -> String) -> NWBField {
        NWBField(column: NWBColumn(name: name, description: description, kind: .text(maxBytes: maxBytes)), valueBytes: 0) {
            (rows, dataset, _) throws(HDF5Error) in try dataset.appendStrings(rows.map(value))
        }
    }

    static func bool(_ name: String, _ description: String, _ value: @escaping (Row) -> Bool) -> NWBField {
        NWBField(column: NWBColumn(name: name, description: description, kind: .bool), valueBytes: 0) {
            (rows, dataset, _) throws(HDF5Error) in try dataset.appendBools(rows.map(value))
        }
    }

    /// `width` float32 values per row, which `fill` writes into the row's place.
    static func float32Row(
        _ name: String, _ description: String, width: Int, textAttributes: [String: String] = [:],
        _ fill: @escaping (Row, UnsafeMutableBufferPointer<Float>) -> Void
    ) -> NWBField {
        let column = NWBColumn(name: name, description: description, kind: .float32Row(width: width), textAttributes: textAttributes)
        return NWBField(column: column, valueBytes: width * MemoryLayout<Float>.stride) { (rows, dataset, run) throws(HDF5Error) in
            let values = run.bindMemory(to: Float.self, capacity: rows.count * width)
            for (i, row) in rows.enumerated() { fill(row, UnsafeMutableBufferPointer(start: values + i * width, count: width)) }
            try dataset.append(UnsafeBufferPointer(start: values, count: rows.count * width))
        }
    }

    private static func number<T: HDF5Element>(_ column: NWBColumn, _ value: @escaping (Row) -> T) -> NWBField {
        NWBField(column: column, valueBytes: MemoryLayout<T>.stride) { (rows, dataset, run) throws(HDF5Error) in
            let values = run.bindMemory(to: T.self, capacity: rows.count)
            for (i, row) in rows.enumerated() { values[i] = value(row) }
            try dataset.append(UnsafeBufferPointer(start: values, count: rows.count))
        }
    }
}

/// An NWB `DynamicTable` (or subtype: `TimeIntervals`, `EventsTable`) of
/// `Row`s, its columns declared once by its fields: growable chunked
/// datasets, created before SWMR starts and appended to afterwards, each
/// column in one write per run of rows. Rows are counted by the `id` column.
final class NWBTable<Row> {
    /// Path of the table's group.
    let path: String
    private let fields: [NWBField<Row>]
    /// The open column datasets, in `fields` (and `colnames`) order.
    private let columns: [HDF5Dataset]
    /// The `id` column (`ElementIdentifiers`).
    private let ids: HDF5Dataset
    /// Rows one write takes at most: the run buffer holds this many values of the widest column.
    private let runRows: Int
    private let run: UnsafeMutableRawPointer

    /// Creates the group at `name` below `parent`, tagged `type`, with empty columns.
    init(
        in parent: HDF5Location, name: String, type: String, description: String, fields: [NWBField<Row>],
        chunkRows: UInt64 = 64, runRows: Int = 1, root: HDF5Location, sourceDescription: String? = nil
    ) throws(HDF5Error) {
        let group = try parent.createGroup(name)
        let location = group.location
        path = group.path
        try NWBObject.tag(location, type: type)
        try location.setAttribute("description", description)
        try location.setAttribute("colnames", fields.map(\.column.name))
        if let sourceDescription { try location.setAttribute("source_description", sourceDescription) }
        var opened: [HDF5Dataset] = []
        for spec in fields.map(\.column) {
            let shape = HDF5DatasetShape.growable(chunkRows: chunkRows)
            let dataset: HDF5Dataset
            switch spec.kind {
            case .float64: dataset = try location.createDataset(spec.name, of: Double.self, shape: shape)
            case .float32: dataset = try location.createDataset(spec.name, of: Float.self, shape: shape)
            case .int64, .region: dataset = try location.createDataset(spec.name, of: Int64.self, shape: shape)
            case .text(let maxBytes): dataset = try location.createStringDataset(spec.name, length: maxBytes, shape: shape)
            case .bool: dataset = try location.createBoolDataset(spec.name, shape: shape)
            case .float32Row(let width):
                dataset = try location.createDataset(spec.name, of: Float.self, shape: .growable(rowDims: [UInt64(width)], chunkRows: chunkRows))
            }
            let columnLocation = dataset.location
            let namespace = spec.type == "VectorData" || spec.type == "DynamicTableRegion" ? "hdmf-common" : "core"
            var type = spec.type
            if case .region(let table) = spec.kind {
                type = "DynamicTableRegion"
                try columnLocation.setAttribute("table", try root.reference(to: table))
            }
            try NWBObject.tag(columnLocation, type: type, namespace: namespace)
            try columnLocation.setAttribute("description", spec.description)
            for (key, value) in spec.numberAttributes { try columnLocation.setAttribute(key, value) }
            for (key, value) in spec.textAttributes { try columnLocation.setAttribute(key, value) }
            opened.append(dataset)
        }
        ids = try location.createDataset("id", of: Int64.self, shape: .growable(chunkRows: chunkRows))
        try NWBObject.tag(ids.location, type: "ElementIdentifiers", namespace: "hdmf-common")
        try group.close()
        (self.fields, columns, self.runRows) = (fields, opened, max(1, runRows))
        run = Self.allocateRun(fields, rows: self.runRows)
    }

    /// Opens the table at `path` of an existing file (opened read-write, without SWMR) to append rows;
    /// refuses a table whose columns are not `fields`, in that order.
    init(opening path: String, fields: [NWBField<Row>], root: HDF5Location) throws {
        let group = try root.openGroup(path)
        let names = try group.location.stringsAttribute("colnames") ?? []
        guard names == fields.map(\.column.name) else {
            try group.close()
            throw NWBTableMismatch(path: path, found: names, declared: fields.map(\.column.name))
        }
        var opened: [HDF5Dataset] = []
        for name in names { opened.append(try group.location.openDataset(name)) }
        self.path = path
        (self.fields, columns, runRows) = (fields, opened, 1)
        ids = try group.location.openDataset("id")
        try group.close()
        run = Self.allocateRun(fields, rows: 1)
    }

    private static func allocateRun(_ fields: [NWBField<Row>], rows: Int) -> UnsafeMutableRawPointer {
        .allocate(byteCount: rows * max(8, fields.map(\.valueBytes).max() ?? 0), alignment: 8)  // 8: the ids
    }

    deinit { run.deallocate() }

    /// Rows so far.
    var rowCount: UInt64 { ids.rowCount }

    /// The column named `name` (to rewrite a cell of a row written earlier).
    func column(_ name: String) -> HDF5Dataset {
        guard let index = fields.firstIndex(where: { $0.column.name == name }) else { preconditionFailure("\(path) has no column \(name)") }
        return columns[index]
    }

    /// Appends one row. For rare rows (doses, marks, gaps, clock samples): text columns allocate.
    func append(_ row: Row) throws(HDF5Error) {
        var row = row
        try withUnsafeMutablePointer(to: &row) { (pointer) throws(HDF5Error) in try append(UnsafeBufferPointer(start: pointer, count: 1)) }
    }

    /// Appends `rows`, each column in one write per `runRows` rows; then their ids.
    /// Without text or bool columns, no allocation.
    func append(_ rows: UnsafeBufferPointer<Row>) throws(HDF5Error) {
        var start = 0
        while start < rows.count {
            let part = UnsafeBufferPointer(rebasing: rows[start..<min(rows.count, start + runRows)])
            for (field, column) in zip(fields, columns) { try field.append(part, column, run) }
            let first = Int64(ids.rowCount)
            let numbers = run.bindMemory(to: Int64.self, capacity: part.count)
            for i in 0..<part.count { numbers[i] = first + Int64(i) }
            try ids.append(UnsafeBufferPointer(start: numbers, count: part.count))
            start += part.count
        }
    }

    /// Closes every column.
    func close() throws(HDF5Error) {
        for column in columns { try column.close() }
        try ids.close()
    }
}

/// A table of an existing file whose columns are not the ones declared for it.
struct NWBTableMismatch: Error, CustomStringConvertible {
    let path: String
    let found: [String]
    let declared: [String]
    var description: String { "\(path) has the columns \(found.joined(separator: ", ")), not the declared \(declared.joined(separator: ", "))" }
}
