import KetaMapDSP

extension NWBSessionReader {
    /// A stream's stored LFP: `[row][processedChannel]` in µV, at `rateHz` from `startSeconds` (the stream's own clock).
    public struct LFPSeries: Sendable {
        public var rateHz: Double
        public var startSeconds: Double
        public var rowCount: Int
        public var channelCount: Int
    }

    private func lfpPath(_ stream: Int) -> String { NWBLayout.lfp + streams[stream].suffix }

    /// The LFP of stream `stream` (an index of `streams`), or nil when it has none.
    public func lfp(stream: Int = 0) throws -> LFPSeries? {
        let root = self.root, series = lfpPath(stream)
        guard try root.exists(String(series.dropFirst()) + "/data") else { return nil }
        let data = try root.openDataset(series + "/data")
        defer { try? data.close() }
        try data.refresh()
        let start = try root.openDataset(series + "/starting_time")
        defer { try? start.close() }
        return LFPSeries(
            rateHz: try start.location.attribute("rate", as: Double.self) ?? 0, startSeconds: try start.readAll(as: Double.self).first ?? 0,
            rowCount: Int(data.extent[0]), channelCount: data.extent.count > 1 ? Int(data.extent[1]) : 1)
    }

    /// Reads `rows` LFP rows of stream `stream` from `firstRow` into `buffer` (`rows × channelCount` values).
    /// The C function is `H5Dread` on a hyperslab.
    public func readLFP(stream: Int = 0, firstRow: Int, rows: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        let data = try root.openDataset(lfpPath(stream) + "/data")
        defer { try? data.close() }
        try data.readRows(from: UInt64(firstRow), rows: UInt64(rows), into: buffer)
    }

    /// The bands of stream `stream`'s band power (names and edges as stored), or nil when it has none.
    public func bandPowerBands(stream: Int = 0) throws -> [ProcessingSettings.Band]? {
        let root = self.root, series = NWBLayout.bandPower + streams[stream].suffix
        guard try root.exists(String(series.dropFirst()) + "/bands/band_name") else { return nil }
        let names = try root.openDataset(series + "/bands/band_name")
        let bandNames = try names.readStrings()
        try names.close()
        let limits = try root.openDataset(series + "/bands/band_limits")
        let edges = try limits.readAll(as: Double.self)
        try limits.close()
        return bandNames.enumerated().map { ProcessingSettings.Band(name: $0.element, lowHz: edges[2 * $0.offset], highHz: edges[2 * $0.offset + 1]) }
    }
}
