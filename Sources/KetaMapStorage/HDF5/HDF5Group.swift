/// An open HDF5 group (`H5Gopen2`/`H5Gcreate2`), closed with `H5Gclose`.
struct HDF5Group: ~Copyable {
    private let handle: HDF5Handle
    /// Absolute path in the file.
    let path: String

    init(handle: consuming HDF5Handle, path: String) {
        self.handle = handle
        self.path = path
    }

    /// Where children and attributes of this group are created.
    var location: HDF5Location { HDF5Location(id: handle.id, path: path) }

    /// Number of links in the group. The C function is `H5Gget_info`.
    func linkCount() throws(HDF5Error) -> Int { try HDF5Calls.linkCount(handle.id) }

    /// The names of the group's links, in name order. The C function is `H5Lget_name_by_idx`.
    func linkNames() throws(HDF5Error) -> [String] {
        var names: [String] = []
        for index in 0..<(try linkCount()) { names.append(try HDF5Calls.linkName(handle.id, at: index)) }
        return names
    }

    /// Closes the group. The C function is `H5Gclose`.
    consuming func close() throws(HDF5Error) { try handle.close() }
}

/// An open HDF5 file, closed with `H5Fclose`.
struct HDF5File: ~Copyable {
    private let handle: HDF5Handle
    /// Path on disk.
    let path: String

    private init(id: HID, path: String) {
        self.handle = HDF5Handle(id, closer: HDF5Calls.closeFile, closerName: "H5Fclose")
        self.path = path
    }

    /// Creates a new file in the newest format (needed for SWMR). Fails if
    /// `path` exists unless `overwrite`. The C function is `H5Fcreate`.
    static func create(_ path: String, overwrite: Bool = false) throws(HDF5Error) -> HDF5File {
        HDF5File(id: try HDF5Calls.createFile(path, truncate: overwrite), path: path)
    }

    /// Opens an existing file. `.swmrRead` reads a file a SWMR writer is
    /// still appending to. The C function is `H5Fopen`.
    static func open(_ path: String, mode: HDF5Calls.OpenMode) throws(HDF5Error) -> HDF5File {
        HDF5File(id: try HDF5Calls.openFile(path, mode: mode), path: path)
    }

    /// The root group, for creating and opening children and root attributes.
    var root: HDF5Location { HDF5Location(id: handle.id, path: "/") }

    /// Writes every buffer of the file to disk: what a reader or a crash
    /// sees from now on. The C function is `H5Fflush` with `H5F_SCOPE_GLOBAL`.
    func flush() throws(HDF5Error) { try HDF5Calls.flushFile(handle.id) }

    /// Starts single-writer/multiple-reader mode: no object may be created
    /// afterwards, datasets may only grow. The C function is `H5Fstart_swmr_write`.
    func startSWMRWrite() throws(HDF5Error) { try HDF5Calls.startSWMRWrite(handle.id) }

    /// Closes the file (every object in it must be closed first). The C function is `H5Fclose`.
    consuming func close() throws(HDF5Error) { try handle.close() }
}
