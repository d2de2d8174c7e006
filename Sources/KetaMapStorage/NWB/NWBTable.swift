/// One column of an NWB `DynamicTable` that grows under SWMR.
struct NWBColumn {
    /// How a column's values are stored.
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

/// One value of a row appended with `NWBTable.appendRow`.
enum NWBCell {
    case double(Double), float(Float), int(Int64), text(String), bool(Bool), floats([Float])
}

/// An NWB `DynamicTable` (or subtype: `TimeIntervals`, `EventsTable`) whose
/// columns are growable chunked datasets, created before SWMR starts and
/// appended to afterwards. Rows are counted by the `id` column.
final class NWBTable {
    /// Path of the table's group.
    let path: String
    /// The columns' names, in `colnames` order.
    let names: [String]
    /// The open column datasets, in `colnames` order.
    let columns: [HDF5Dataset]
    /// The `id` column (`ElementIdentifiers`).
    let ids: HDF5Dataset

    /// Creates the group at `name` below `parent`, tagged `type`, with empty columns.
    init(
        in parent: HDF5Location, name: String, type: String, description: String, columns specs: [NWBColumn],
        chunkRows: UInt64 = 64, root: HDF5Location, sourceDescription: String? = nil
    ) throws(HDF5Error) {
        let group = try parent.createGroup(name)
        let location = group.location
        path = group.path
        try NWBObject.tag(location, type: type)
        try location.setAttribute("description", description)
        try location.setAttribute("colnames", specs.map(\.name))
        if let sourceDescription { try location.setAttribute("source_description", sourceDescription) }
        var opened: [HDF5Dataset] = []
        for spec in specs {
            let dataset: HDF5Dataset
            switch spec.kind {
            case .float64: dataset = try location.createDataset(spec.name, of: Double.self, shape: .growable(chunkRows: chunkRows))
            case .float32: dataset = try location.createDataset(spec.name, of: Float.self, shape: .growable(chunkRows: chunkRows))
            case .int64, .region: dataset = try location.createDataset(spec.name, of: Int64.self, shape: .growable(chunkRows: chunkRows))
            case .text(let maxBytes): dataset = try location.createStringDataset(spec.name, length: maxBytes, shape: .growable(chunkRows: chunkRows))
            case .bool: dataset = try location.createBoolDataset(spec.name, shape: .growable(chunkRows: chunkRows))
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
        columns = opened
        names = specs.map(\.name)
        try group.close()
    }

    /// Opens the table at `path` of an existing file (opened read-write, without SWMR) to append rows.
    init(opening path: String, root: HDF5Location) throws(HDF5Error) {
        let group = try root.openGroup(path)
        self.path = path
        names = try group.location.stringsAttribute("colnames") ?? []
        var opened: [HDF5Dataset] = []
        for name in names { opened.append(try group.location.openDataset(name)) }
        columns = opened
        ids = try group.location.openDataset("id")
        try group.close()
    }

    /// Rows so far.
    var rowCount: UInt64 { ids.rowCount }

    /// The column named `name`.
    func column(_ name: String) -> HDF5Dataset {
        guard let index = names.firstIndex(of: name) else { preconditionFailure("\(path) has no column \(name)") }
        return columns[index]
    }

    /// Appends one row: one cell per column, in column order, then its id.
    /// Allocates (for rare rows: doses, marks, gaps, clock samples).
    func appendRow(_ cells: [NWBCell]) throws(HDF5Error) {
        precondition(cells.count == columns.count, "\(path): \(cells.count) cells for \(columns.count) columns")
        for (cell, column) in zip(cells, columns) {
            switch cell {
            case .double(let v): try [v].withUnsafeBufferPointer { (b) throws(HDF5Error) in try column.append(b) }
            case .float(let v): try [v].withUnsafeBufferPointer { (b) throws(HDF5Error) in try column.append(b) }
            case .int(let v): try [v].withUnsafeBufferPointer { (b) throws(HDF5Error) in try column.append(b) }
            case .bool(let v): try column.appendBools([v])
            case .floats(let v): try v.withUnsafeBufferPointer { (b) throws(HDF5Error) in try column.append(b) }
            case .text(let v): try column.appendStrings([v])
            }
        }
        try appendIDs(count: 1)
    }

    /// Appends `count` ids (row numbers) after columns were appended directly.
    func appendIDs(count: Int) throws(HDF5Error) {
        let first = Int64(ids.rowCount)
        try withUnsafeTemporaryAllocation(of: Int64.self, capacity: count) { (buffer) throws(HDF5Error) in
            for i in 0..<count { buffer[i] = first + Int64(i) }
            try ids.append(UnsafeBufferPointer(buffer))
        }
    }

    /// Closes every column.
    func close() throws(HDF5Error) {
        for column in columns { try column.close() }
        try ids.close()
    }
}
