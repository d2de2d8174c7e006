/// A borrowed view of an open file, group or dataset: where groups, datasets,
/// links and attributes are created. It does not own the identifier; the
/// `HDF5File`, `HDF5Group` or `HDF5Dataset` it came from must stay open.
struct HDF5Location {
    /// The borrowed identifier.
    let id: HID
    /// Path for error messages.
    let path: String

    // MARK: Groups and links

    /// Creates a group below this location. The C function is `H5Gcreate2`.
    func createGroup(_ name: String) throws(HDF5Error) -> HDF5Group {
        HDF5Group(handle: HDF5Handle(try HDF5Calls.createGroup(id, name), closer: HDF5Calls.closeGroup, closerName: "H5Gclose"), path: child(name))
    }

    /// Opens a group below this location. The C function is `H5Gopen2`.
    func openGroup(_ name: String) throws(HDF5Error) -> HDF5Group {
        HDF5Group(handle: HDF5Handle(try HDF5Calls.openGroup(id, name), closer: HDF5Calls.closeGroup, closerName: "H5Gclose"), path: child(name))
    }

    /// Whether `name` (a path relative to here; every parent must exist) exists.
    /// The C function is `H5Lexists`, called once per path component.
    func exists(_ name: String) throws(HDF5Error) -> Bool {
        var prefix = ""
        for component in name.split(separator: "/") {
            prefix += prefix.isEmpty ? String(component) : "/" + component
            if try !HDF5Calls.linkExists(id, prefix) { return false }
        }
        return true
    }

    /// Removes the link `name`. The C function is `H5Ldelete`.
    func delete(_ name: String) throws(HDF5Error) {
        try HDF5Calls.deleteLink(id, name)
    }

    /// Creates a soft link `name` → absolute `target`. The C function is `H5Lcreate_soft`.
    func createSoftLink(_ name: String, to target: String) throws(HDF5Error) {
        try HDF5Calls.createSoftLink(id, name, target: target)
    }

    /// An object reference to the object at `path` (absolute, or relative to here).
    /// The C function is `H5Rcreate`.
    func reference(to path: String) throws(HDF5Error) -> HDF5ObjectReference {
        HDF5ObjectReference(address: try HDF5Calls.objectReference(id, path))
    }

    /// The absolute path an object reference points to. The C function is `H5Rdereference2`.
    func path(of reference: HDF5ObjectReference) throws(HDF5Error) -> String {
        try HDF5Calls.referencedPath(id, reference.address)
    }

    // MARK: Datasets

    /// Creates a dataset of `T`. See `HDF5DatasetShape` for growable, chunked datasets.
    /// The C function is `H5Dcreate2`.
    func createDataset<T: HDF5Element>(_ name: String, of: T.Type, shape: HDF5DatasetShape) throws(HDF5Error) -> HDF5Dataset {
        let fileType = HDF5Calls.predefinedType(T.kind, inMemory: false)
        let id = try HDF5Calls.createDataset(
            self.id, name, type: fileType, dims: shape.dims, maxDims: shape.maxDims, chunk: shape.chunk,
            deflateLevel: shape.deflateLevel, chunkCacheBytes: shape.chunkCacheBytes)
        return HDF5Dataset(id: id, path: child(name), extent: shape.dims, stringLength: nil)
    }

    /// Creates a dataset of UTF-8 strings: fixed-length (`length` bytes, for
    /// columns appended under SWMR) or variable-length (`length` nil).
    /// The C functions are `H5Tcopy`, `H5Tset_size` and `H5Dcreate2`.
    func createStringDataset(_ name: String, length: Int?, shape: HDF5DatasetShape) throws(HDF5Error) -> HDF5Dataset {
        let type = HDF5Handle(try HDF5Calls.createStringType(fixedLength: length), closer: HDF5Calls.closeType, closerName: "H5Tclose")
        let id = try HDF5Calls.createDataset(
            self.id, name, type: type.id, dims: shape.dims, maxDims: shape.maxDims, chunk: shape.chunk,
            deflateLevel: nil, chunkCacheBytes: nil)
        try type.close()
        return HDF5Dataset(id: id, path: child(name), extent: shape.dims, stringLength: length ?? 0)
    }

    /// Creates a 1-D growable dataset of 8-bit booleans (an HDF5 enum FALSE/TRUE, as h5py writes `bool`).
    /// The C functions are `H5Tenum_create` and `H5Dcreate2`.
    func createBoolDataset(_ name: String, shape: HDF5DatasetShape) throws(HDF5Error) -> HDF5Dataset {
        let type = HDF5Handle(try HDF5Calls.createBoolType(), closer: HDF5Calls.closeType, closerName: "H5Tclose")
        let id = try HDF5Calls.createDataset(
            self.id, name, type: type.id, dims: shape.dims, maxDims: shape.maxDims, chunk: shape.chunk,
            deflateLevel: nil, chunkCacheBytes: nil)
        try type.close()
        return HDF5Dataset(id: id, path: child(name), extent: shape.dims, stringLength: nil)
    }

    /// Writes a scalar variable-length UTF-8 string dataset (metadata written before SWMR starts).
    func writeString(_ name: String, _ value: String) throws(HDF5Error) {
        let dataset = try createStringDataset(name, length: nil, shape: .scalar)
        try HDF5Calls.writeVariableStrings(dataset.id, [value], isAttribute: false)
        try dataset.close()
    }

    /// Writes a 1-D variable-length UTF-8 string dataset of fixed size.
    func writeStrings(_ name: String, _ values: [String], growable: Bool = false) throws(HDF5Error) -> HDF5Dataset {
        let count = UInt64(values.count)
        let shape = growable
            ? HDF5DatasetShape(dims: [count], maxDims: [nil], chunk: [max(1, count)])
            : HDF5DatasetShape(dims: [count])
        let dataset = try createStringDataset(name, length: nil, shape: shape)
        if !values.isEmpty { try HDF5Calls.writeVariableStrings(dataset.id, values, isAttribute: false) }
        return dataset
    }

    /// Writes a whole fixed-size dataset of `T` from `values` (shape `dims`), optionally growable along axis 0.
    func writeArray<T: HDF5Element>(_ name: String, _ values: [T], dims: [UInt64], growable: Bool = false) throws(HDF5Error) -> HDF5Dataset {
        let shape = growable
            ? HDF5DatasetShape(dims: dims, maxDims: [nil] + dims.dropFirst().map { Optional($0) }, chunk: [max(1, dims[0])] + dims.dropFirst())
            : HDF5DatasetShape(dims: dims)
        let dataset = try createDataset(name, of: T.self, shape: shape)
        if !values.isEmpty { try dataset.writeAll(values) }
        return dataset
    }

    /// Opens a dataset; `chunkCacheBytes` sizes its chunk cache (`H5Pset_chunk_cache`).
    /// The C functions are `H5Dopen2`, `H5Dget_type` and `H5Dget_space`.
    func openDataset(_ name: String, chunkCacheBytes: Int? = nil) throws(HDF5Error) -> HDF5Dataset {
        let id = try HDF5Calls.openDataset(self.id, name, chunkCacheBytes: chunkCacheBytes)
        let extent: [UInt64]
        let stringLength: Int?
        do {
            extent = try HDF5Calls.datasetExtent(id)
            let type = HDF5Handle(try HDF5Calls.datasetType(id), closer: HDF5Calls.closeType, closerName: "H5Tclose")
            stringLength = HDF5Calls.stringLength(type.id)
            try type.close()
        } catch {
            _ = HDF5Calls.closeDataset(id)
            throw error
        }
        return HDF5Dataset(id: id, path: child(name), extent: extent, stringLength: stringLength)
    }

    // MARK: Attributes

    /// Sets a scalar variable-length UTF-8 string attribute (as pynwb writes them).
    /// The C functions are `H5Acreate2` and `H5Awrite`.
    func setAttribute(_ name: String, _ value: String) throws(HDF5Error) {
        try setStringsAttribute(name, [value], scalar: true)
    }

    /// Sets a 1-D variable-length UTF-8 string attribute (e.g. a table's `colnames`).
    func setAttribute(_ name: String, _ values: [String]) throws(HDF5Error) {
        try setStringsAttribute(name, values, scalar: false)
    }

    private func setStringsAttribute(_ name: String, _ values: [String], scalar: Bool) throws(HDF5Error) {
        let type = HDF5Handle(try HDF5Calls.createStringType(fixedLength: nil), closer: HDF5Calls.closeType, closerName: "H5Tclose")
        let attribute = HDF5Handle(
            try HDF5Calls.createAttribute(id, name, type: type.id, dims: scalar ? [] : [UInt64(values.count)]),
            closer: HDF5Calls.closeAttribute, closerName: "H5Aclose")
        try type.close()
        try HDF5Calls.writeVariableStrings(attribute.id, values, isAttribute: true)
        try attribute.close()
    }

    /// Sets a scalar numeric (or object reference) attribute.
    /// The C functions are `H5Acreate2` and `H5Awrite`.
    func setAttribute<T: HDF5Element>(_ name: String, _ value: T) throws(HDF5Error) {
        let attribute = HDF5Handle(
            try HDF5Calls.createAttribute(id, name, type: HDF5Calls.predefinedType(T.kind, inMemory: false), dims: []),
            closer: HDF5Calls.closeAttribute, closerName: "H5Aclose")
        try withUnsafePointer(to: value) { (pointer) throws(HDF5Error) in
            try HDF5Calls.writeAttribute(attribute.id, memoryType: HDF5Calls.predefinedType(T.kind, inMemory: true), from: UnsafeRawPointer(pointer))
        }
        try attribute.close()
    }

    /// Reads a string attribute (scalar or the first element); nil when absent.
    /// The C functions are `H5Aopen` and `H5Aread`.
    func stringAttribute(_ name: String) throws(HDF5Error) -> String? {
        try stringsAttribute(name)?.first
    }

    /// Reads a string attribute's values (variable- or fixed-length); nil when absent.
    func stringsAttribute(_ name: String) throws(HDF5Error) -> [String]? {
        guard let id = try HDF5Calls.openAttribute(id, name) else { return nil }
        let attribute = HDF5Handle(id, closer: HDF5Calls.closeAttribute, closerName: "H5Aclose")
        let count = try HDF5Calls.attributeElementCount(attribute.id)
        let type = HDF5Handle(try HDF5Calls.attributeType(attribute.id), closer: HDF5Calls.closeType, closerName: "H5Tclose")
        let values: [String]
        if try HDF5Calls.isVariableString(type.id) {
            values = try HDF5Calls.readVariableStrings(attribute.id, count: count, isAttribute: true)
        } else {
            let size = HDF5Calls.typeSize(type.id)
            var bytes = [UInt8](repeating: 0, count: size * count)
            try HDF5Calls.readAttribute(attribute.id, memoryType: type.id, into: &bytes)
            values = (0..<count).map { HDF5Dataset.decodeFixed(bytes[($0 * size)..<(($0 + 1) * size)]) }
        }
        try type.close()
        try attribute.close()
        return values
    }

    /// Reads a scalar numeric attribute; nil when absent.
    /// The C functions are `H5Aopen` and `H5Aread`.
    func attribute<T: HDF5Element>(_ name: String, as: T.Type) throws(HDF5Error) -> T? {
        guard let id = try HDF5Calls.openAttribute(id, name) else { return nil }
        let attribute = HDF5Handle(id, closer: HDF5Calls.closeAttribute, closerName: "H5Aclose")
        let value = try withUnsafeTemporaryAllocation(of: T.self, capacity: 1) { (buffer) throws(HDF5Error) -> T in
            try HDF5Calls.readAttribute(attribute.id, memoryType: HDF5Calls.predefinedType(T.kind, inMemory: true), into: buffer.baseAddress!)
            return buffer[0]
        }
        try attribute.close()
        return value
    }

    private func child(_ name: String) -> String {
        name.hasPrefix("/") ? name : (path == "/" ? "/" + name : path + "/" + name)
    }
}

/// Shape of a new dataset: current dimensions, maximum dimensions (nil =
/// unlimited) and chunking, deflate and chunk cache when chunked.
struct HDF5DatasetShape {
    /// Current dimensions (empty = scalar).
    var dims: [UInt64]
    /// Maximum dimensions; nil entries grow without limit. Nil = fixed at `dims`.
    var maxDims: [UInt64?]?
    /// Chunk dimensions (required when any dimension can grow).
    var chunk: [UInt64]?
    /// Deflate level 1–9 with the shuffle filter, or nil for none.
    var deflateLevel: Int?
    /// Bytes of chunk cache for this dataset, or nil for HDF5's default (1 MiB).
    var chunkCacheBytes: Int?

    /// A scalar.
    static let scalar = HDF5DatasetShape(dims: [])

    init(dims: [UInt64], maxDims: [UInt64?]? = nil, chunk: [UInt64]? = nil, deflateLevel: Int? = nil, chunkCacheBytes: Int? = nil) {
        self.dims = dims
        self.maxDims = maxDims
        self.chunk = chunk
        self.deflateLevel = deflateLevel
        self.chunkCacheBytes = chunkCacheBytes
    }

    /// An empty dataset growing along axis 0, rows of `rowDims`, `chunkRows` rows per chunk.
    static func growable(rowDims: [UInt64] = [], chunkRows: UInt64, deflateLevel: Int? = nil, chunkCacheBytes: Int? = nil) -> HDF5DatasetShape {
        HDF5DatasetShape(
            dims: [0] + rowDims, maxDims: [nil] + rowDims.map { Optional($0) }, chunk: [chunkRows] + rowDims,
            deflateLevel: deflateLevel, chunkCacheBytes: chunkCacheBytes)
    }
}
