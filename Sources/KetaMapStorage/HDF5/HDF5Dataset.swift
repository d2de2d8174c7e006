/// An open HDF5 dataset (`H5Dopen2`/`H5Dcreate2`), closed with `H5Dclose`.
///
/// A class (allocated once, when the dataset is opened) so that tables can
/// keep their columns in arrays; the identifier itself is owned by an
/// `HDF5Handle`. Rows are along axis 0. Not thread-safe: one thread at a time.
final class HDF5Dataset {
    private var handle: HDF5Handle?
    /// Absolute path in the file.
    let path: String
    /// Current dimensions, as this process last wrote or refreshed them.
    private(set) var extent: [UInt64]
    /// For string datasets: 0 when variable-length, else bytes per string; nil otherwise.
    let stringLength: Int?
    /// Elements per row (product of every dimension after the first; 1 for 1-D).
    let rowElements: Int

    init(id: HID, path: String, extent: [UInt64], stringLength: Int?) {
        self.handle = HDF5Handle(id, closer: HDF5Calls.closeDataset, closerName: "H5Dclose")
        self.path = path
        self.extent = extent
        self.stringLength = stringLength
        self.rowElements = extent.dropFirst().reduce(1) { $0 * Int($1) }
    }

    /// The identifier; traps once closed (using a closed dataset is a programmer error).
    var id: HID {
        guard let id = handle?.id else { preconditionFailure("\(path) is used after close()") }
        return id
    }

    /// Attributes of this dataset.
    var location: HDF5Location { HDF5Location(id: id, path: path) }

    /// Rows along axis 0 (1 for a scalar).
    var rowCount: UInt64 { extent.first ?? 1 }

    /// Bytes its chunks take in the file (padding of partly used chunks included).
    var storageBytes: UInt64 { HDF5Calls.storageBytes(id) }

    /// Closes the dataset. The C function is `H5Dclose`.
    func close() throws(HDF5Error) {
        if let handle = handle.take() { try handle.close() }
    }

    // MARK: Writing

    /// Writes the whole dataset from `values` (as many elements as it holds).
    /// The C function is `H5Dwrite` with `H5S_ALL`.
    func writeAll<T: HDF5Element>(_ values: [T]) throws(HDF5Error) {
        precondition(values.count == extent.reduce(1) { $0 * Int($1) }, "\(path): \(values.count) values for shape \(extent)")
        try values.withUnsafeBufferPointer { (buffer) throws(HDF5Error) in
            try HDF5Calls.write(id, memoryType: HDF5Calls.predefinedType(T.kind, inMemory: true), start: nil, count: nil, rank: extent.count, from: UnsafeRawPointer(buffer.baseAddress!))
        }
    }

    /// Appends whole rows (`buffer.count` must be a multiple of `rowElements`).
    /// Grows the dataset first. Does not allocate on the Swift side.
    /// The C functions are `H5Dset_extent` and `H5Dwrite`.
    func append<T: HDF5Element>(_ buffer: UnsafeBufferPointer<T>) throws(HDF5Error) {
        try writeRows(at: rowCount, buffer)
    }

    /// Writes whole rows starting at row `firstRow`, growing the dataset when
    /// they reach past its end. The C functions are `H5Dset_extent` and `H5Dwrite`.
    func writeRows<T: HDF5Element>(at firstRow: UInt64, _ buffer: UnsafeBufferPointer<T>) throws(HDF5Error) {
        precondition(buffer.count % rowElements == 0, "\(path): \(buffer.count) values is not a whole number of \(rowElements)-value rows")
        let rows = UInt64(buffer.count / rowElements)
        guard rows > 0, let base = buffer.baseAddress else { return }
        try writeRows(at: firstRow, rows: rows, memoryType: HDF5Calls.predefinedType(T.kind, inMemory: true), from: UnsafeRawPointer(base))
    }

    private func writeRows(at firstRow: UInt64, rows: UInt64, memoryType: HID, from base: UnsafeRawPointer) throws(HDF5Error) {
        if firstRow + rows > extent[0] {
            extent[0] = firstRow + rows
            try extent.withUnsafeBufferPointer { (dims) throws(HDF5Error) in try HDF5Calls.setExtent(id, dims.baseAddress!) }
        }
        let rank = extent.count
        try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * rank) { (slab) throws(HDF5Error) in
            slab[0] = firstRow
            slab[rank] = rows
            for axis in 1..<max(rank, 1) where rank > 1 {
                slab[axis] = 0
                slab[rank + axis] = extent[axis]
            }
            let start = UnsafePointer(slab.baseAddress!)
            try HDF5Calls.write(id, memoryType: memoryType, start: start, count: start + rank, rank: rank, from: base)
        }
    }

    /// Grows axis 0 to at least `rows` rows. The C function is `H5Dset_extent`.
    func grow(toRows rows: UInt64) throws(HDF5Error) {
        guard rows > extent[0] else { return }
        extent[0] = rows
        try extent.withUnsafeBufferPointer { (dims) throws(HDF5Error) in try HDF5Calls.setExtent(id, dims.baseAddress!) }
    }

    /// Writes one whole, unfiltered chunk of a 2-D dataset whose first element
    /// is (`row`, `column`), from `chunk` laid out as the chunk is stored
    /// (row-major, full chunk size even at the edges). The dataset must
    /// already reach that far (`grow(toRows:)`). No allocation.
    /// The C function is `H5Dwrite_chunk`.
    func writeChunk<T: HDF5Element>(row: UInt64, column: UInt64, _ chunk: UnsafeBufferPointer<T>) throws(HDF5Error) {
        try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2) { (offset) throws(HDF5Error) in
            offset[0] = row
            offset[1] = column
            try HDF5Calls.writeChunk(id, offset: UnsafePointer(offset.baseAddress!), bytes: UnsafeRawBufferPointer(chunk))
        }
    }

    /// Writes the block of a 2-D dataset starting at (`row`, `column`) of
    /// `rows` × `columns` values from a buffer holding `rows` rows of
    /// `stride` values each (only the first `columns` of each row are
    /// written). The dataset must already reach that far. No allocation.
    /// The C functions are `H5Sselect_hyperslab` and `H5Dwrite`.
    func writeBlock<T: HDF5Element>(row: UInt64, column: UInt64, rows: Int, columns: Int, stride: Int, from buffer: UnsafePointer<T>) throws(HDF5Error) {
        try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 6) { (slab) throws(HDF5Error) in
            slab[0] = row
            slab[1] = column
            slab[2] = UInt64(rows)
            slab[3] = UInt64(columns)
            slab[4] = UInt64(rows)
            slab[5] = UInt64(stride)
            let base = UnsafePointer(slab.baseAddress!)
            try HDF5Calls.write(
                id, memoryType: HDF5Calls.predefinedType(T.kind, inMemory: true), start: base, count: base + 2, rank: 2,
                from: UnsafeRawPointer(buffer), memoryDims: base + 4)
        }
    }

    /// Appends strings to a 1-D fixed-length string dataset, truncated to its
    /// length at a character boundary. The C functions are `H5Dset_extent` and `H5Dwrite`.
    func appendStrings(_ values: [String]) throws(HDF5Error) {
        guard let length = stringLength, length > 0 else { preconditionFailure("\(path) is not a fixed-length string dataset") }
        var bytes = [UInt8](repeating: 0, count: length * values.count)
        for (row, value) in values.enumerated() {
            let encoded = Self.truncatedUTF8(value, maxBytes: length)
            for (i, byte) in encoded.enumerated() { bytes[row * length + i] = byte }
        }
        let type = HDF5Handle(try HDF5Calls.createStringType(fixedLength: length), closer: HDF5Calls.closeType, closerName: "H5Tclose")
        try bytes.withUnsafeBufferPointer { (raw) throws(HDF5Error) in
            try writeRows(at: rowCount, rows: UInt64(values.count), memoryType: type.id, from: UnsafeRawPointer(raw.baseAddress!))
        }
        try type.close()
    }

    /// Appends booleans to a dataset made by `createBoolDataset` (written
    /// with the dataset's own enum type: HDF5 converts no integer to an enum).
    /// The C functions are `H5Dget_type`, `H5Dset_extent` and `H5Dwrite`.
    func appendBools(_ values: [Bool]) throws(HDF5Error) {
        let bytes = values.map { Int8($0 ? 1 : 0) }
        let type = HDF5Handle(try HDF5Calls.datasetType(id), closer: HDF5Calls.closeType, closerName: "H5Tclose")
        try bytes.withUnsafeBufferPointer { (raw) throws(HDF5Error) in
            try writeRows(at: rowCount, rows: UInt64(values.count), memoryType: type.id, from: UnsafeRawPointer(raw.baseAddress!))
        }
        try type.close()
    }

    /// Reads a boolean dataset made by `createBoolDataset`. The C function is `H5Dread`.
    func readBools() throws(HDF5Error) -> [Bool] {
        let count = Int(rowCount)
        guard count > 0 else { return [] }
        var bytes = [Int8](repeating: 0, count: count)
        let type = HDF5Handle(try HDF5Calls.datasetType(id), closer: HDF5Calls.closeType, closerName: "H5Tclose")
        try bytes.withUnsafeMutableBufferPointer { (raw) throws(HDF5Error) in
            try HDF5Calls.read(id, memoryType: type.id, start: nil, count: nil, rank: extent.count, into: UnsafeMutableRawPointer(raw.baseAddress!))
        }
        try type.close()
        return bytes.map { $0 != 0 }
    }

    /// Puts the rows in `order` in place: row i becomes what row `order[i]` was (a
    /// permutation of every row). Read and written whole in the dataset's own type, so it
    /// serves any column: numbers, enums, fixed-size rows, fixed or variable-length text.
    /// The C functions are `H5Dget_type`, `H5Dread` and `H5Dwrite`.
    func reorderRows(_ order: [Int]) throws(HDF5Error) {
        precondition(order.count == Int(rowCount) && Set(order).count == order.count, "\(path): \(order) is no permutation of its \(rowCount) rows")
        guard !order.isEmpty else { return }
        if stringLength == 0 {
            let values = try readStrings()
            try HDF5Calls.writeVariableStrings(id, order.map { values[$0] }, isAttribute: false)
            return
        }
        let type = HDF5Handle(try HDF5Calls.datasetType(id), closer: HDF5Calls.closeType, closerName: "H5Tclose")
        let rowBytes = HDF5Calls.typeSize(type.id) * rowElements
        var stored = [UInt8](repeating: 0, count: rowBytes * order.count)
        try stored.withUnsafeMutableBufferPointer { (raw) throws(HDF5Error) in
            try HDF5Calls.read(id, memoryType: type.id, start: nil, count: nil, rank: extent.count, into: UnsafeMutableRawPointer(raw.baseAddress!))
        }
        var reordered: [UInt8] = []
        reordered.reserveCapacity(stored.count)
        for row in order { reordered += stored[(row * rowBytes)..<((row + 1) * rowBytes)] }
        try reordered.withUnsafeBufferPointer { (raw) throws(HDF5Error) in
            try HDF5Calls.write(id, memoryType: type.id, start: nil, count: nil, rank: extent.count, from: UnsafeRawPointer(raw.baseAddress!))
        }
        try type.close()
    }

    /// Appends object references (1-D `H5T_STD_REF_OBJ` dataset).
    func appendReferences(_ values: [HDF5ObjectReference]) throws(HDF5Error) {
        try values.withUnsafeBufferPointer { (buffer) throws(HDF5Error) in try append(buffer) }
    }

    // MARK: Reading

    /// Re-reads the extent, showing rows a SWMR writer appended since.
    /// The C functions are `H5Drefresh` and `H5Dget_space`.
    func refresh() throws(HDF5Error) {
        try HDF5Calls.refresh(id)
        extent = try HDF5Calls.datasetExtent(id)
    }

    /// Reads `rows` whole rows from `firstRow` into `buffer` (at least `rows × rowElements` values).
    /// The C function is `H5Dread` on a hyperslab.
    func readRows<T: HDF5Element>(from firstRow: UInt64, rows: UInt64, into buffer: UnsafeMutableBufferPointer<T>) throws(HDF5Error) {
        precondition(buffer.count >= Int(rows) * rowElements, "\(path): buffer too small")
        precondition(firstRow + rows <= rowCount, "\(path): rows \(firstRow)..<\(firstRow + rows) beyond \(rowCount)")
        guard rows > 0 else { return }
        try readSlab(start: [firstRow] + extent.dropFirst().map { _ in 0 }, count: [rows] + extent.dropFirst(), into: buffer)
    }

    /// Reads a hyperslab (`start`, `count` per axis) into `buffer`. The C function is `H5Dread`.
    func readSlab<T: HDF5Element>(start: [UInt64], count: [UInt64], into buffer: UnsafeMutableBufferPointer<T>) throws(HDF5Error) {
        precondition(start.count == extent.count && count.count == extent.count, "\(path): rank \(extent.count)")
        precondition(buffer.count >= count.reduce(1) { $0 * Int($1) }, "\(path): buffer too small")
        try HDF5Calls.read(
            id, memoryType: HDF5Calls.predefinedType(T.kind, inMemory: true), start: start, count: count, rank: extent.count,
            into: UnsafeMutableRawPointer(buffer.baseAddress!))
    }

    /// Reads every value, flattened in row-major order. The C function is `H5Dread`.
    func readAll<T: HDF5Element>(as: T.Type) throws(HDF5Error) -> [T] {
        let count = extent.reduce(1) { $0 * Int($1) }
        guard count > 0 else { return [] }
        return try [T](unsafeUninitializedCapacity: count) { (buffer, initialized) throws(HDF5Error) in
            try HDF5Calls.read(id, memoryType: HDF5Calls.predefinedType(T.kind, inMemory: true), start: nil, count: nil, rank: extent.count, into: UnsafeMutableRawPointer(buffer.baseAddress!))
            initialized = count
        }
    }

    /// Reads a string dataset (scalar or 1-D; fixed- or variable-length).
    /// The C functions are `H5Dread` and `H5Dvlen_reclaim`.
    func readStrings() throws(HDF5Error) -> [String] {
        guard let length = stringLength else { preconditionFailure("\(path) is not a string dataset") }
        let count = extent.reduce(1) { $0 * Int($1) }
        guard count > 0 else { return [] }
        if length == 0 { return try HDF5Calls.readVariableStrings(id, count: count, isAttribute: false) }
        var bytes = [UInt8](repeating: 0, count: length * count)
        let type = HDF5Handle(try HDF5Calls.createStringType(fixedLength: length), closer: HDF5Calls.closeType, closerName: "H5Tclose")
        try bytes.withUnsafeMutableBufferPointer { (raw) throws(HDF5Error) in
            try HDF5Calls.read(id, memoryType: type.id, start: nil, count: nil, rank: extent.count, into: UnsafeMutableRawPointer(raw.baseAddress!))
        }
        try type.close()
        return (0..<count).map { Self.decodeFixed(bytes[($0 * length)..<(($0 + 1) * length)]) }
    }

    /// A fixed-length string's text: its bytes up to the first NUL.
    static func decodeFixed(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// `value` in UTF-8, cut to at most `maxBytes` without splitting a character.
    static func truncatedUTF8(_ value: String, maxBytes: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for character in value {
            let encoded = Array(String(character).utf8)
            if bytes.count + encoded.count > maxBytes { break }
            bytes += encoded
        }
        return bytes
    }
}
