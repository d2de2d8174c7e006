import Foundation
import KetaMapDSP
import KetaMapStorage

/// The report's band power: a stream's stored LFP read in pieces and turned
/// into rows of Welch band power (`SpectralBandPower`), one row per half
/// segment (about 2 s), each dated at its segment's centre and standing for
/// the `rowSeconds` around it. The same rows feed every number and picture of
/// the report (changes, intervals, time courses, contact map), the cohort
/// map and the Python package's `dose_map`.
enum LFPBandPower {
    /// Rows of stream `stream`, with the bands of its band-power series, in segments
    /// that `shortestRangeSeconds` holds three of (`SpectralBandPower.segmentRows`);
    /// nil when the stream has no LFP or no bands.
    static func read(_ reader: NWBSessionReader, stream: Int, shortestRangeSeconds: Double) throws -> (power: BandPowerSeries, rowSeconds: Double)? {
        guard let lfp = try reader.lfp(stream: stream), lfp.rateHz > 0, let bands = try reader.bandPowerBands(stream: stream), !bands.isEmpty else { return nil }
        let channels = Array(reader.processedChannels[reader.streams[stream].processedChannels])
        let spectrum = SpectralBandPower(
            bands: bands.map { ($0.lowHz, $0.highHz) }, lfpRateHz: lfp.rateHz,
            segmentRows: SpectralBandPower.segmentRows(lfpRateHz: lfp.rateHz, shortestRangeSeconds: shortestRangeSeconds))
        let (size, hop, width) = (spectrum.segmentRows, spectrum.hopRows, lfp.channelCount)
        let rowCount = lfp.rowCount >= size ? (lfp.rowCount - size) / hop + 1 : 0
        var values = [Float](repeating: .nan, count: rowCount * channels.count * bands.count)
        // A sliding segment: each step keeps its second half and reads the next hop.
        var segment = [Float](repeating: 0, count: size * width)
        var a = [Double](repeating: 0, count: bands.count), b = a
        for row in 0..<rowCount {
            if row == 0 {
                try segment.withUnsafeMutableBufferPointer { try reader.readLFP(stream: stream, firstRow: 0, rows: size, into: $0) }
            } else {
                segment.withUnsafeMutableBufferPointer { s in
                    s.baseAddress!.update(from: s.baseAddress! + hop * width, count: hop * width)
                }
                try segment.withUnsafeMutableBufferPointer { s in
                    try reader.readLFP(
                        stream: stream, firstRow: row * hop + hop, rows: hop,
                        into: UnsafeMutableBufferPointer(rebasing: s[(hop * width)...]))
                }
            }
            segment.withUnsafeBufferPointer { s in
                for first in Swift.stride(from: 0, to: min(width, channels.count), by: 2) {
                    let second = first + 1 < min(width, channels.count) ? first + 1 : nil
                    spectrum.power(s.baseAddress!, stride: width, a: first, b: second, outA: &a, outB: &b)
                    for band in bands.indices {
                        values[(row * channels.count + first) * bands.count + band] = Float(a[band])
                        if let second { values[(row * channels.count + second) * bands.count + band] = Float(b[band]) }
                    }
                }
            }
        }
        let series = BandPowerSeries(
            bands: bands, rateHz: lfp.rateHz / Double(hop), startSeconds: lfp.startSeconds + Double(size) / 2 / lfp.rateHz, channels: channels,
            rowCount: rowCount, valuesMicrovoltsSquared: values)
        return (series, Double(size) / lfp.rateHz)
    }

    /// How rows of `rowSeconds` segments were made, for the report's readers.
    static func method(rowSeconds: Double) -> String {
        String(format: "band power from Welch spectra of the stored LFP: %.3g s Hann segments overlapping by half (bins %.3g Hz apart), summed over each band's edges", rowSeconds, 1 / rowSeconds)
    }
}
