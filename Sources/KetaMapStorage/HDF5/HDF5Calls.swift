import CHDF5

#if canImport(Glibc)
import Glibc
#endif

// The one file of KetaMap that calls the HDF5 C library. Every other file in
// KetaMapStorage reaches HDF5 through the functions of `HDF5Calls`, whose doc
// comments name the C function they call. Identifiers travel as `Int64`
// (`hid_t` is `int64_t` since HDF5 1.10) and never leave this module.

/// An HDF5 identifier (`hid_t`).
typealias HID = Int64

/// The C functions that close each kind of identifier, handed to `HDF5Handle`.
typealias HDF5Closer = @convention(c) (HID) -> herr_t

/// The HDF5 calls KetaMap makes, one Swift function per C function.
enum HDF5Calls {
    // MARK: Errors

    /// Turns automatic error printing off for the calling thread (HDF5 keeps
    /// one error stack per thread in thread-safe builds), so that errors are
    /// read into `HDF5Error` instead of printed on stderr.
    /// The corresponding C function is `H5Eset_auto2`.
    static func silenceErrorPrinting() {
        _ = skipLibraryShutdownAtExit
        _ = H5Eset_auto2(CHDF5_H5E_DEFAULT(), nil, nil)
    }

    /// Keeps HDF5 from closing what is still open at process exit: every file is
    /// closed explicitly, and after a failed close (a full disk) HDF5's own exit
    /// handler retried the writes on a broken file and crashed the process
    /// instead of letting it exit with its status. Set once, before the library
    /// initialises (every call here goes through `silenceErrorPrinting` first).
    /// The C function is `H5dont_atexit`.
    private static let skipLibraryShutdownAtExit: Void = { _ = H5dont_atexit() }()

    /// The current thread's error stack, innermost call last, then cleared.
    /// The corresponding C functions are `H5Ewalk2` and `H5Eclear2`.
    static func takeErrorStack() -> [String] {
        final class Lines { var lines: [String] = [] }
        let box = Lines()
        let walker: H5E_walk2_t = { _, description, client in
            guard let description, let client else { return 0 }
            let lines = Unmanaged<Lines>.fromOpaque(client).takeUnretainedValue()
            let entry = description.pointee
            let function = entry.func_name.map { String(cString: $0) } ?? "?"
            let text = entry.desc.map { String(cString: $0) } ?? ""
            lines.lines.append("\(function): \(text)")
            return 0
        }
        withExtendedLifetime(box) {
            _ = H5Ewalk2(CHDF5_H5E_DEFAULT(), H5E_WALK_DOWNWARD, walker, Unmanaged.passUnretained(box).toOpaque())
        }
        _ = H5Eclear2(CHDF5_H5E_DEFAULT())
        return box.lines
    }

    // MARK: Closers

    /// `H5Fclose`.
    static let closeFile: HDF5Closer = H5Fclose
    /// `H5Gclose`.
    static let closeGroup: HDF5Closer = H5Gclose
    /// `H5Dclose`.
    static let closeDataset: HDF5Closer = H5Dclose
    /// `H5Aclose`.
    static let closeAttribute: HDF5Closer = H5Aclose
    /// `H5Sclose`.
    static let closeDataspace: HDF5Closer = H5Sclose
    /// `H5Tclose`.
    static let closeType: HDF5Closer = H5Tclose
    /// `H5Pclose`.
    static let closePropertyList: HDF5Closer = H5Pclose
    /// `H5Oclose`.
    static let closeObject: HDF5Closer = H5Oclose

    // MARK: Files

    /// Creates `path` in the newest file format (required by SWMR), failing
    /// if it exists unless `truncate`. The C functions are `H5Pcreate`,
    /// `H5Pset_libver_bounds` and `H5Fcreate`.
    static func createFile(_ path: String, truncate: Bool) throws(HDF5Error) -> HID {
        silenceErrorPrinting()
        let fapl = try check(H5Pcreate(CHDF5_H5P_FILE_ACCESS()), "H5Pcreate", path)
        defer { _ = H5Pclose(fapl) }
        try check(H5Pset_libver_bounds(fapl, CHDF5_H5F_LIBVER_LATEST(), CHDF5_H5F_LIBVER_LATEST()), "H5Pset_libver_bounds", path)
        let flags = truncate ? CHDF5_H5F_ACC_TRUNC() : CHDF5_H5F_ACC_EXCL()
        return closingOnExec(try check(H5Fcreate(path, flags, CHDF5_H5P_DEFAULT(), fapl), "H5Fcreate", path))
    }

    /// Marks an open file's descriptor close-on-exec and returns the file:
    /// libhdf5's default (sec2) driver opens without `O_CLOEXEC`, and a child
    /// process must never hold a session file open (nor its lock).
    /// The C function is `H5Fget_vfd_handle` (then `fcntl`).
    private static func closingOnExec(_ file: HID) -> HID {
        var handle: UnsafeMutableRawPointer?
        if H5Fget_vfd_handle(file, CHDF5_H5P_DEFAULT(), &handle) >= 0, let handle {
            POSIXCalls.setCloseOnExec(handle.load(as: Int32.self))
        }
        return file
    }

    /// How a file is opened.
    enum OpenMode { case readOnly, readWrite, swmrRead }

    /// `H5Fopen` of a pipe waits for a writer that may never come, and of a folder or
    /// device fails with a dump of its C buffer: only a regular file (or a name that
    /// is not there, which `H5Fopen` reports) goes on to it.
    private static func requireRegularFile(_ path: String) throws(HDF5Error) {
        guard POSIXCalls.isNotARegularFile(path) else { return }
        throw HDF5Error(function: "H5Fopen", object: path, stack: [HDF5Error.notARegularFile])
    }

    /// Opens an existing file. The C functions are `H5Pset_libver_bounds` and `H5Fopen`.
    static func openFile(_ path: String, mode: OpenMode) throws(HDF5Error) -> HID {
        try requireRegularFile(path)
        silenceErrorPrinting()
        let fapl = try check(H5Pcreate(CHDF5_H5P_FILE_ACCESS()), "H5Pcreate", path)
        defer { _ = H5Pclose(fapl) }
        try check(H5Pset_libver_bounds(fapl, CHDF5_H5F_LIBVER_LATEST(), CHDF5_H5F_LIBVER_LATEST()), "H5Pset_libver_bounds", path)
        let flags: UInt32
        switch mode {
        case .readOnly: flags = CHDF5_H5F_ACC_RDONLY()
        case .readWrite: flags = CHDF5_H5F_ACC_RDWR()
        case .swmrRead: flags = CHDF5_H5F_ACC_RDONLY() | CHDF5_H5F_ACC_SWMR_READ()
        }
        return closingOnExec(try check(H5Fopen(path, flags, fapl), "H5Fopen", path))
    }

    /// Clears the status flags that a writer which never closed the file (it was
    /// killed) left in the superblock, so the file opens again: what
    /// `h5clear -s --increment=0` does. A killed writer's superblock often gives an
    /// end of allocation short of what it wrote (chunks of samples and of the dose
    /// table it had already indexed), and closing the file cuts it there: so the end
    /// is first raised to the file's real size. The C functions are `H5Pset`
    /// (file-access property `clear_status_flags`), `H5Fopen` read-write,
    /// `H5Fincrement_filesize` and `H5Fclose`.
    static func clearStatusFlags(_ path: String) throws(HDF5Error) {
        try requireRegularFile(path)
        silenceErrorPrinting()
        let fapl = try check(H5Pcreate(CHDF5_H5P_FILE_ACCESS()), "H5Pcreate", path)
        defer { _ = H5Pclose(fapl) }
        try check(H5Pset_libver_bounds(fapl, CHDF5_H5F_LIBVER_LATEST(), CHDF5_H5F_LIBVER_LATEST()), "H5Pset_libver_bounds", path)
        var clear = true  // hbool_t
        try check(H5Pset(fapl, "clear_status_flags", &clear), "H5Pset", path)
        let file = try check(H5Fopen(path, CHDF5_H5F_ACC_RDWR(), fapl), "H5Fopen", path)
        do {
            try check(H5Fincrement_filesize(file, 0), "H5Fincrement_filesize", path)
        } catch {
            _ = H5Fclose(file)
            throw error
        }
        try check(H5Fclose(file), "H5Fclose", path)
    }

    /// Writes every buffer of the whole file to disk. The C function is `H5Fflush` (global scope).
    static func flushFile(_ file: HID) throws(HDF5Error) {
        try check(H5Fflush(file, H5F_SCOPE_GLOBAL), "H5Fflush", "file")
    }

    /// Switches an open file to single-writer/multiple-reader mode.
    /// The C function is `H5Fstart_swmr_write`.
    static func startSWMRWrite(_ file: HID) throws(HDF5Error) {
        try check(H5Fstart_swmr_write(file), "H5Fstart_swmr_write", "file")
    }

    // MARK: Groups and links

    /// Creates a group. The C function is `H5Gcreate2`.
    static func createGroup(_ location: HID, _ name: String) throws(HDF5Error) -> HID {
        try check(H5Gcreate2(location, name, CHDF5_H5P_DEFAULT(), CHDF5_H5P_DEFAULT(), CHDF5_H5P_DEFAULT()), "H5Gcreate2", name)
    }

    /// Opens a group. The C function is `H5Gopen2`.
    static func openGroup(_ location: HID, _ name: String) throws(HDF5Error) -> HID {
        try check(H5Gopen2(location, name, CHDF5_H5P_DEFAULT()), "H5Gopen2", name)
    }

    /// Whether a link of that name exists (one path component). The C function is `H5Lexists`.
    static func linkExists(_ location: HID, _ name: String) throws(HDF5Error) -> Bool {
        try check(H5Lexists(location, name, CHDF5_H5P_DEFAULT()), "H5Lexists", name) > 0
    }

    /// Removes a link (the object goes when no link is left). The C function is `H5Ldelete`.
    static func deleteLink(_ location: HID, _ name: String) throws(HDF5Error) {
        try check(H5Ldelete(location, name, CHDF5_H5P_DEFAULT()), "H5Ldelete", name)
    }

    /// Creates a soft link `name` → `target`. The C function is `H5Lcreate_soft`.
    static func createSoftLink(_ location: HID, _ name: String, target: String) throws(HDF5Error) {
        try check(H5Lcreate_soft(target, location, name, CHDF5_H5P_DEFAULT(), CHDF5_H5P_DEFAULT()), "H5Lcreate_soft", name)
    }

    /// The number of links in a group. The C function is `H5Gget_info`.
    static func linkCount(_ group: HID) throws(HDF5Error) -> Int {
        var info = H5G_info_t()
        try check(H5Gget_info(group, &info), "H5Gget_info", "group")
        return Int(info.nlinks)
    }

    /// The name of a group's link number `index`, in name order. The C function
    /// is `H5Lget_name_by_idx` (called twice: for the length, then the name).
    static func linkName(_ group: HID, at index: Int) throws(HDF5Error) -> String {
        let length = try check(
            H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, CHDF5_H5P_DEFAULT()), "H5Lget_name_by_idx", "link \(index)")
        var bytes = [CChar](repeating: 0, count: Int(length) + 1)
        _ = try check(
            H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &bytes, bytes.count, CHDF5_H5P_DEFAULT()), "H5Lget_name_by_idx", "link \(index)")
        return String(decoding: bytes.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Datatypes

    /// A UTF-8 string type: variable-length when `fixedLength` is nil, else
    /// that many bytes, null-padded. The C functions are `H5Tcopy`,
    /// `H5Tset_size`, `H5Tset_cset` and `H5Tset_strpad`.
    static func createStringType(fixedLength: Int?) throws(HDF5Error) -> HID {
        let type = try check(H5Tcopy(CHDF5_H5T_C_S1()), "H5Tcopy", "string type")
        let size = fixedLength.map { max(1, $0) } ?? CHDF5_H5T_VARIABLE()
        try check(H5Tset_size(type, size), "H5Tset_size", "string type")
        try check(H5Tset_cset(type, H5T_CSET_UTF8), "H5Tset_cset", "string type")
        try check(H5Tset_strpad(type, fixedLength == nil ? H5T_STR_NULLTERM : H5T_STR_NULLPAD), "H5Tset_strpad", "string type")
        return type
    }

    /// An 8-bit enum type with FALSE = 0 and TRUE = 1 (how h5py stores `bool`).
    /// The C functions are `H5Tenum_create` and `H5Tenum_insert`.
    static func createBoolType() throws(HDF5Error) -> HID {
        let type = try check(H5Tenum_create(CHDF5_H5T_NATIVE_INT8()), "H5Tenum_create", "bool type")
        var no: Int8 = 0
        var yes: Int8 = 1
        try check(H5Tenum_insert(type, "FALSE", &no), "H5Tenum_insert", "bool type")
        try check(H5Tenum_insert(type, "TRUE", &yes), "H5Tenum_insert", "bool type")
        return type
    }

    /// Whether a string type is variable-length. The C function is `H5Tis_variable_str`.
    static func isVariableString(_ type: HID) throws(HDF5Error) -> Bool {
        try check(H5Tis_variable_str(type), "H5Tis_variable_str", "type") > 0
    }

    /// For a string type: 0 when variable-length, else its size in bytes; nil
    /// for any other type. The C functions are `H5Tget_class`, `H5Tis_variable_str` and `H5Tget_size`.
    static func stringLength(_ type: HID) -> Int? {
        guard H5Tget_class(type) == H5T_STRING else { return nil }
        return H5Tis_variable_str(type) > 0 ? 0 : Int(H5Tget_size(type))
    }

    /// Size of one element in bytes. The C function is `H5Tget_size`.
    static func typeSize(_ type: HID) -> Int { Int(H5Tget_size(type)) }

    /// The predefined in-memory or on-disk type for a scalar kind.
    static func predefinedType(_ kind: HDF5ScalarKind, inMemory: Bool) -> HID {
        switch kind {
        case .int8: return CHDF5_H5T_NATIVE_INT8()  // one byte: the same in memory and on disk
        case .uint8: return inMemory ? CHDF5_H5T_NATIVE_UINT8() : CHDF5_H5T_STD_U8LE()
        case .int16: return inMemory ? CHDF5_H5T_NATIVE_INT16() : CHDF5_H5T_STD_I16LE()
        case .int32: return inMemory ? CHDF5_H5T_NATIVE_INT32() : CHDF5_H5T_STD_I32LE()
        case .int64: return inMemory ? CHDF5_H5T_NATIVE_INT64() : CHDF5_H5T_STD_I64LE()
        case .float32: return inMemory ? CHDF5_H5T_NATIVE_FLOAT() : CHDF5_H5T_IEEE_F32LE()
        case .float64: return inMemory ? CHDF5_H5T_NATIVE_DOUBLE() : CHDF5_H5T_IEEE_F64LE()
        case .objectReference: return CHDF5_H5T_STD_REF_OBJ()
        }
    }

    // MARK: Dataspaces

    /// A simple dataspace; `maxDims` entries of nil are unlimited. A rank of 0
    /// is a scalar. The C functions are `H5Screate` and `H5Screate_simple`.
    static func createDataspace(_ dims: [UInt64], maxDims: [UInt64?]? = nil) throws(HDF5Error) -> HID {
        if dims.isEmpty { return try check(H5Screate(H5S_SCALAR), "H5Screate", "scalar") }
        let max = (maxDims ?? dims.map { Optional($0) }).map { $0 ?? CHDF5_H5S_UNLIMITED() }
        return try check(H5Screate_simple(Int32(dims.count), dims, max), "H5Screate_simple", "dataspace")
    }

    /// The current extent of a dataset, and its rank. The C functions are
    /// `H5Dget_space`, `H5Sget_simple_extent_ndims` and `H5Sget_simple_extent_dims`.
    static func datasetExtent(_ dataset: HID) throws(HDF5Error) -> [UInt64] {
        let space = try check(H5Dget_space(dataset), "H5Dget_space", "dataset")
        defer { _ = H5Sclose(space) }
        let rank = try check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims", "dataset")
        var dims = [UInt64](repeating: 0, count: Int(rank))
        if rank > 0 { try check(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims", "dataset") }
        return dims
    }

    /// Number of elements of an attribute. The C functions are `H5Aget_space` and `H5Sget_simple_extent_npoints`.
    static func attributeElementCount(_ attribute: HID) throws(HDF5Error) -> Int {
        let space = try check(H5Aget_space(attribute), "H5Aget_space", "attribute")
        defer { _ = H5Sclose(space) }
        return Int(try check(H5Sget_simple_extent_npoints(space), "H5Sget_simple_extent_npoints", "attribute"))
    }

    // MARK: Datasets

    /// Creates a dataset. With `chunk`, the dataset is chunked (and may grow
    /// along unlimited dimensions), optionally shuffled and deflated.
    /// The C functions are `H5Pset_chunk`, `H5Pset_shuffle`, `H5Pset_deflate`,
    /// `H5Pset_chunk_cache` and `H5Dcreate2`.
    static func createDataset(
        _ location: HID, _ name: String, type: HID, dims: [UInt64], maxDims: [UInt64?]?, chunk: [UInt64]?,
        deflateLevel: Int?, chunkCacheBytes: Int?
    ) throws(HDF5Error) -> HID {
        let space = try createDataspace(dims, maxDims: maxDims)
        defer { _ = H5Sclose(space) }
        let dcpl = try check(H5Pcreate(CHDF5_H5P_DATASET_CREATE()), "H5Pcreate", name)
        defer { _ = H5Pclose(dcpl) }
        if let chunk {
            try check(H5Pset_chunk(dcpl, Int32(chunk.count), chunk), "H5Pset_chunk", name)
            if let level = deflateLevel {
                try check(H5Pset_shuffle(dcpl), "H5Pset_shuffle", name)
                try check(H5Pset_deflate(dcpl, UInt32(level)), "H5Pset_deflate", name)
            }
        }
        let dapl = try datasetAccessList(chunkCacheBytes: chunkCacheBytes, name: name)
        defer { _ = H5Pclose(dapl) }
        return try check(H5Dcreate2(location, name, type, space, CHDF5_H5P_DEFAULT(), dcpl, dapl), "H5Dcreate2", name)
    }

    /// Opens a dataset, with a chunk cache of `chunkCacheBytes` when given.
    /// The C functions are `H5Pset_chunk_cache` and `H5Dopen2`.
    static func openDataset(_ location: HID, _ name: String, chunkCacheBytes: Int? = nil) throws(HDF5Error) -> HID {
        let dapl = try datasetAccessList(chunkCacheBytes: chunkCacheBytes, name: name)
        defer { _ = H5Pclose(dapl) }
        return try check(H5Dopen2(location, name, dapl), "H5Dopen2", name)
    }

    private static func datasetAccessList(chunkCacheBytes: Int?, name: String) throws(HDF5Error) -> HID {
        let dapl = try check(H5Pcreate(CHDF5_H5P_DATASET_ACCESS()), "H5Pcreate", name)
        if let bytes = chunkCacheBytes {
            // 12421 hash slots (a prime, as HDF5 advises) is far above the chunks a row of chunks holds; w0 = 1 evicts fully written chunks first.
            try check(H5Pset_chunk_cache(dapl, 12_421, bytes, 1.0), "H5Pset_chunk_cache", name)
        }
        return dapl
    }

    /// The dataset's on-disk datatype (close it). The C function is `H5Dget_type`.
    static func datasetType(_ dataset: HID) throws(HDF5Error) -> HID {
        try check(H5Dget_type(dataset), "H5Dget_type", "dataset")
    }

    /// Bytes the dataset's chunks take in the file. The C function is `H5Dget_storage_size`.
    static func storageBytes(_ dataset: HID) -> UInt64 { H5Dget_storage_size(dataset) }

    /// Grows (never shrinks, under SWMR) a chunked dataset. The C function is `H5Dset_extent`.
    static func setExtent(_ dataset: HID, _ dims: UnsafePointer<UInt64>) throws(HDF5Error) {
        try check(H5Dset_extent(dataset, dims), "H5Dset_extent", "dataset")
    }

    /// Writes `count` starting at `start` (a hyperslab of the file space) from
    /// a contiguous buffer, or the whole dataset when `start` is nil.
    /// The C functions are `H5Dget_space`, `H5Sselect_hyperslab`, `H5Screate_simple` and `H5Dwrite`.
    static func write(
        _ dataset: HID, memoryType: HID, start: UnsafePointer<UInt64>?, count: UnsafePointer<UInt64>?, rank: Int,
        from buffer: UnsafeRawPointer, memoryDims: UnsafePointer<UInt64>? = nil
    ) throws(HDF5Error) {
        guard let start, let count else {
            try check(H5Dwrite(dataset, memoryType, CHDF5_H5S_ALL(), CHDF5_H5S_ALL(), CHDF5_H5P_DEFAULT(), buffer), "H5Dwrite", "dataset")
            return
        }
        let fileSpace = try check(H5Dget_space(dataset), "H5Dget_space", "dataset")
        defer { _ = H5Sclose(fileSpace) }
        try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil), "H5Sselect_hyperslab", "dataset")
        // The buffer is dense `count` values, or a `memoryDims` array whose leading corner of size `count` is written.
        let memorySpace = try check(H5Screate_simple(Int32(rank), memoryDims ?? count, nil), "H5Screate_simple", "dataset")
        defer { _ = H5Sclose(memorySpace) }
        if memoryDims != nil {
            try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: rank) { (zero) throws(HDF5Error) in
                zero.initialize(repeating: 0)
                try check(H5Sselect_hyperslab(memorySpace, H5S_SELECT_SET, zero.baseAddress, nil, count, nil), "H5Sselect_hyperslab", "memory")
            }
        }
        try check(H5Dwrite(dataset, memoryType, memorySpace, fileSpace, CHDF5_H5P_DEFAULT(), buffer), "H5Dwrite", "dataset")
    }

    /// Writes one whole chunk as stored bytes, bypassing the type conversion,
    /// the filters and the chunk cache (which it evicts the chunk from).
    /// `offset` is the chunk's first element on every axis.
    /// The C function is `H5Dwrite_chunk`.
    static func writeChunk(_ dataset: HID, offset: UnsafePointer<UInt64>, bytes: UnsafeRawBufferPointer) throws(HDF5Error) {
        try check(H5Dwrite_chunk(dataset, CHDF5_H5P_DEFAULT(), 0, offset, bytes.count, bytes.baseAddress), "H5Dwrite_chunk", "dataset")
    }

    /// Reads a hyperslab (or everything when `start` is nil) into a contiguous buffer.
    /// The C functions are `H5Sselect_hyperslab` and `H5Dread`.
    static func read(
        _ dataset: HID, memoryType: HID, start: UnsafePointer<UInt64>?, count: UnsafePointer<UInt64>?, rank: Int,
        into buffer: UnsafeMutableRawPointer
    ) throws(HDF5Error) {
        guard let start, let count else {
            try check(H5Dread(dataset, memoryType, CHDF5_H5S_ALL(), CHDF5_H5S_ALL(), CHDF5_H5P_DEFAULT(), buffer), "H5Dread", "dataset")
            return
        }
        let fileSpace = try check(H5Dget_space(dataset), "H5Dget_space", "dataset")
        defer { _ = H5Sclose(fileSpace) }
        try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil), "H5Sselect_hyperslab", "dataset")
        let memorySpace = try check(H5Screate_simple(Int32(rank), count, nil), "H5Screate_simple", "dataset")
        defer { _ = H5Sclose(memorySpace) }
        try check(H5Dread(dataset, memoryType, memorySpace, fileSpace, CHDF5_H5P_DEFAULT(), buffer), "H5Dread", "dataset")
    }

    /// Reads variable-length strings of a whole dataset (or attribute when
    /// `isAttribute`), then frees HDF5's copies. The C functions are
    /// `H5Dread`/`H5Aread` and `H5Dvlen_reclaim`.
    static func readVariableStrings(_ object: HID, count: Int, isAttribute: Bool) throws(HDF5Error) -> [String] {
        let type = try createStringType(fixedLength: nil)
        defer { _ = H5Tclose(type) }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        if isAttribute {
            try check(H5Aread(object, type, &pointers), "H5Aread", "attribute")
        } else {
            try check(H5Dread(object, type, CHDF5_H5S_ALL(), CHDF5_H5S_ALL(), CHDF5_H5P_DEFAULT(), &pointers), "H5Dread", "dataset")
        }
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        for pointer in pointers { if let pointer { H5free_memory(pointer) } }
        return strings
    }

    /// Writes variable-length strings to a whole dataset or attribute.
    /// The C functions are `H5Dwrite` / `H5Awrite`.
    static func writeVariableStrings(_ object: HID, _ strings: [String], isAttribute: Bool) throws(HDF5Error) {
        let type = try createStringType(fixedLength: nil)
        defer { _ = H5Tclose(type) }
        var pointers: [UnsafePointer<CChar>?] = strings.map { UnsafePointer(strdup($0)) }
        defer { for pointer in pointers { free(UnsafeMutableRawPointer(mutating: pointer)) } }
        if isAttribute {
            try check(H5Awrite(object, type, &pointers), "H5Awrite", "attribute")
        } else {
            try check(H5Dwrite(object, type, CHDF5_H5S_ALL(), CHDF5_H5S_ALL(), CHDF5_H5P_DEFAULT(), &pointers), "H5Dwrite", "dataset")
        }
    }

    /// Makes readers see what the writer appended since the last refresh.
    /// The C function is `H5Drefresh`.
    static func refresh(_ dataset: HID) throws(HDF5Error) {
        try check(H5Drefresh(dataset), "H5Drefresh", "dataset")
    }

    // MARK: Attributes

    /// Creates an attribute (replacing one of that name). The C functions are
    /// `H5Aexists`, `H5Adelete` and `H5Acreate2`.
    static func createAttribute(_ object: HID, _ name: String, type: HID, dims: [UInt64]) throws(HDF5Error) -> HID {
        if try check(H5Aexists(object, name), "H5Aexists", name) > 0 {
            try check(H5Adelete(object, name), "H5Adelete", name)
        }
        let space = try createDataspace(dims)
        defer { _ = H5Sclose(space) }
        return try check(H5Acreate2(object, name, type, space, CHDF5_H5P_DEFAULT(), CHDF5_H5P_DEFAULT()), "H5Acreate2", name)
    }

    /// Opens an attribute, or returns nil when there is none of that name.
    /// The C functions are `H5Aexists` and `H5Aopen`.
    static func openAttribute(_ object: HID, _ name: String) throws(HDF5Error) -> HID? {
        guard try check(H5Aexists(object, name), "H5Aexists", name) > 0 else { return nil }
        return try check(H5Aopen(object, name, CHDF5_H5P_DEFAULT()), "H5Aopen", name)
    }

    /// Writes an attribute's value from memory. The C function is `H5Awrite`.
    static func writeAttribute(_ attribute: HID, memoryType: HID, from buffer: UnsafeRawPointer) throws(HDF5Error) {
        try check(H5Awrite(attribute, memoryType, buffer), "H5Awrite", "attribute")
    }

    /// Reads an attribute's value into memory. The C function is `H5Aread`.
    static func readAttribute(_ attribute: HID, memoryType: HID, into buffer: UnsafeMutableRawPointer) throws(HDF5Error) {
        try check(H5Aread(attribute, memoryType, buffer), "H5Aread", "attribute")
    }

    /// The attribute's datatype (close it). The C function is `H5Aget_type`.
    static func attributeType(_ attribute: HID) throws(HDF5Error) -> HID {
        try check(H5Aget_type(attribute), "H5Aget_type", "attribute")
    }

    // MARK: References

    /// An object reference to `path` (an absolute path in the file of `location`).
    /// The C function is `H5Rcreate` with `H5R_OBJECT`.
    static func objectReference(_ location: HID, _ path: String) throws(HDF5Error) -> UInt64 {
        var reference: hobj_ref_t = 0
        try check(H5Rcreate(&reference, location, path, H5R_OBJECT, -1), "H5Rcreate", path)
        return UInt64(reference)
    }

    /// The path of the object an object reference points to.
    /// The C functions are `H5Rdereference2`, `H5Iget_name` and `H5Oclose`.
    static func referencedPath(_ location: HID, _ reference: UInt64) throws(HDF5Error) -> String {
        var reference = hobj_ref_t(reference)
        let object = try check(H5Rdereference2(location, CHDF5_H5P_DEFAULT(), H5R_OBJECT, &reference), "H5Rdereference2", "reference")
        defer { _ = H5Oclose(object) }
        var name = [CChar](repeating: 0, count: 1024)
        _ = try check(H5Iget_name(object, &name, name.count), "H5Iget_name", "reference")
        return name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    // MARK: Checks

    /// Turns a negative `hid_t`/`herr_t`/`htri_t`/`ssize_t` into an `HDF5Error`
    /// holding the error stack, read at once.
    @discardableResult
    static func check<T: BinaryInteger>(_ value: T, _ function: StaticString, _ object: String) throws(HDF5Error) -> T {
        if value < 0 {
            throw HDF5Error(function: "\(function)", object: object, stack: takeErrorStack())
        }
        return value
    }
}
