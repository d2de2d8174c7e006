/// Rows of a growing float series (LFP, band power) gathered in memory and
/// written as one run, many rows per `H5Dwrite`: when the dataset's chunk
/// in progress is full, and at every flush. Recorder thread; no allocation
/// after init.
final class NWBRowRun {
    let dataset: HDF5Dataset
    /// Values per row (processed channels × bands).
    private let rowValues: Int
    /// The dataset's chunk rows: a run never crosses a chunk's end.
    private let chunkRows: Int
    private let buffer: UnsafeMutableBufferPointer<Float>
    private var bufferedRows = 0

    init(_ dataset: HDF5Dataset, rowValues: Int, chunkRows: Int) {
        self.dataset = dataset
        self.rowValues = max(1, rowValues)
        self.chunkRows = max(1, chunkRows)
        buffer = .allocate(capacity: self.chunkRows * self.rowValues)
    }

    deinit { buffer.deallocate() }

    /// Rows written or gathered.
    var rowCount: UInt64 { dataset.rowCount + UInt64(bufferedRows) }

    /// Appends whole rows (`values.count` a multiple of the row's values).
    func append(_ values: UnsafeBufferPointer<Float>) throws(HDF5Error) {
        precondition(values.count % rowValues == 0, "\(values.count) values is not a whole number of \(rowValues)-value rows")
        guard let base = values.baseAddress else { return }
        var row = 0
        let rows = values.count / rowValues
        while row < rows {
            let room = chunkRows - Int(rowCount % UInt64(chunkRows))
            let take = min(rows - row, room)
            (buffer.baseAddress! + bufferedRows * rowValues).update(from: base + row * rowValues, count: take * rowValues)
            bufferedRows += take
            row += take
            if take == room { try write() }
        }
    }

    /// Writes the rows gathered so far.
    func write() throws(HDF5Error) {
        guard bufferedRows > 0 else { return }
        try dataset.append(UnsafeBufferPointer(rebasing: buffer[0..<(bufferedRows * rowValues)]))
        bufferedRows = 0
    }
}
