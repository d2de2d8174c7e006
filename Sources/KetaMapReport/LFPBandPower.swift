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
    /// Where a stream's rows lie, known from its LFP's length and rate alone.
    struct Layout {
        /// LFP samples per segment (a power of two) and between two rows.
        var segmentRows: Int
        var hopRows: Int
        var rowCount: Int
        /// Rows per second, in Hz, and the time of row 0 (its segment's centre) on the stream's clock.
        var rateHz: Double
        var startSeconds: Double
        /// Seconds of LFP each row comes from.
        var rowSeconds: Double

        /// The rows of `lfp` in segments that `shortestRangeSeconds` holds three of (`SpectralBandPower.segmentRows`).
        init(lfp: NWBSessionReader.LFPSeries, shortestRangeSeconds: Double) {
            segmentRows = SpectralBandPower.segmentRows(lfpRateHz: lfp.rateHz, shortestRangeSeconds: shortestRangeSeconds)
            hopRows = segmentRows / 2
            rowCount = lfp.rowCount >= segmentRows ? (lfp.rowCount - segmentRows) / hopRows + 1 : 0
            rateHz = lfp.rateHz / Double(hopRows)
            startSeconds = lfp.startSeconds + Double(segmentRows) / 2 / lfp.rateHz
            rowSeconds = Double(segmentRows) / lfp.rateHz
        }
    }

    /// The rows of `layout` of stream `stream`, whose LFP is `lfp`, in `bands`.
    static func read(
        _ reader: NWBSessionReader, stream: Int, lfp: NWBSessionReader.LFPSeries, bands: [ProcessingSettings.Band], layout: Layout
    ) throws -> BandPowerSeries {
        let channels = Array(reader.processedChannels[reader.streams[stream].processedChannels])
        let spectrum = SpectralBandPower(bands: bands.map { ($0.lowHz, $0.highHz) }, lfpRateHz: lfp.rateHz, segmentRows: layout.segmentRows)
        let (size, hop, width, rowCount) = (layout.segmentRows, layout.hopRows, lfp.channelCount, layout.rowCount)
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
        return BandPowerSeries(
            bands: bands, rateHz: layout.rateHz, startSeconds: layout.startSeconds, channels: channels, rowCount: rowCount, valuesMicrovoltsSquared: values)
    }

    /// What the report says (on standard error) as a stream's spectra start.
    static func describe(_ layout: Layout, stream: String?) -> String {
        "band power\(stream.map { " of stream \($0)" } ?? ""): \(layout.rowCount) rows of \(String(format: "%.3g", layout.rowSeconds)) s spectra"
    }

    /// How rows of `rowSeconds` segments were made, for the report's readers.
    static func method(rowSeconds: Double) -> String {
        String(format: "band power from Welch spectra of the stored LFP: %.3g s Hann segments overlapping by half (bins %.3g Hz apart), summed over each band's edges", rowSeconds, 1 / rowSeconds)
    }
}
