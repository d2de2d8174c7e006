import Foundation
import Testing

import KetaMapDSP

/// The report's band power: Welch periodograms summed over exact band edges.
struct SpectralBandPowerTests {
    static let bands = ProcessingSettings.defaultBands.map { (lowHz: $0.lowHz, highHz: $0.highHz) }
    static let rate = 1000.0

    /// One segment of `channels` columns, column c a sine of `amplitude` µV at `hertz[c]`.
    static func segment(_ size: Int, hertz: [Double], amplitude: Double = 100) -> [Float] {
        var rows = [Float](repeating: 0, count: size * hertz.count)
        for n in 0..<size {
            for (c, f) in hertz.enumerated() { rows[n * hertz.count + c] = Float(amplitude * sin(2 * .pi * f * Double(n) / rate + 0.3 + Double(c))) }
        }
        return rows
    }

    @Test("segments are 8.19 s at 1 kHz, shorter only when a range holds fewer than three")
    func segmentLength() {
        #expect(SpectralBandPower.segmentRows(lfpRateHz: Self.rate) == 8192)
        #expect(SpectralBandPower.segmentRows(lfpRateHz: Self.rate, shortestRangeSeconds: 300) == 8192)
        #expect(SpectralBandPower.segmentRows(lfpRateHz: Self.rate, shortestRangeSeconds: 10) == 2048)
        #expect(SpectralBandPower.segmentRows(lfpRateHz: Self.rate, shortestRangeSeconds: 1) == 256)
        #expect(SpectralBandPower.segmentRows(lfpRateHz: Self.rate, shortestRangeSeconds: 0) == 16)
    }

    @Test("a sine at a band's centre reads A²/2 within 1 % in its band and below 0.01 % in every other; a sine 0.5 Hz inside an edge stays in its band")
    func sinesStayInTheirBand() {
        let size = SpectralBandPower.segmentRows(lfpRateHz: Self.rate)
        let spectrum = SpectralBandPower(bands: Self.bands, lfpRateHz: Self.rate, segmentRows: size)
        // Centres, then 0.5 Hz inside each band's upper edge (beside the next band).
        let hertz = Self.bands.map { ($0.lowHz * $0.highHz).squareRoot() } + Self.bands.map { $0.highHz - 0.5 }
        let rows = Self.segment(size, hertz: hertz)
        var a = [Double](repeating: 0, count: Self.bands.count), b = a
        for c in Swift.stride(from: 0, to: hertz.count, by: 2) {
            rows.withUnsafeBufferPointer { spectrum.power($0.baseAddress!, stride: hertz.count, a: c, b: c + 1, outA: &a, outB: &b) }
            for (column, power) in [(c, a), (c + 1, b)] {
                let own = column % Self.bands.count
                #expect(abs(power[own] / 5000 - 1) < 0.01, "\(hertz[column]) Hz reads \(power[own]) µV² in its band")
                for other in power.indices where other != own {
                    #expect(power[other] / 5000 < 1e-4, "\(hertz[column]) Hz reads \(power[other]) µV² in band \(other)")
                }
            }
        }
    }

    @Test("samples processing skipped (NaN) count as missing: a tenth missing still reads a sine within 2 %, more than half missing reads NaN")
    func missingSamples() {
        let size = SpectralBandPower.segmentRows(lfpRateHz: Self.rate)
        let spectrum = SpectralBandPower(bands: Self.bands, lfpRateHz: Self.rate, segmentRows: size)
        var rows = Self.segment(size, hertz: [10.2, 10.2])
        for n in 3000..<3800 { rows[n * 2] = .nan }  // 0.8 s missing in the first channel
        for n in 1000..<5200 { rows[n * 2 + 1] = .nan }  // more than half of the window's weight in the second
        var a = [Double](repeating: 0, count: Self.bands.count), b = a
        rows.withUnsafeBufferPointer { spectrum.power($0.baseAddress!, stride: 2, a: 0, b: 1, outA: &a, outB: &b) }
        #expect(abs(a[2] / 5000 - 1) < 0.02, "alpha reads \(a[2]) µV² of 5000")
        #expect(b.allSatisfy { $0.isNaN }, "\(b)")
    }

    @Test("two channels in one transform read what each reads alone")
    func pairedChannelsAreIndependent() {
        let size = 1024
        let spectrum = SpectralBandPower(bands: Self.bands, lfpRateHz: Self.rate, segmentRows: size)
        let rows = Self.segment(size, hertz: [10, 60])
        var pairA = [Double](repeating: 0, count: Self.bands.count), pairB = pairA, aloneA = pairA, aloneB = pairA, unused = pairA
        rows.withUnsafeBufferPointer { r in
            spectrum.power(r.baseAddress!, stride: 2, a: 0, b: 1, outA: &pairA, outB: &pairB)
            spectrum.power(r.baseAddress!, stride: 2, a: 0, b: nil, outA: &aloneA, outB: &unused)
            spectrum.power(r.baseAddress!, stride: 2, a: 1, b: nil, outA: &aloneB, outB: &unused)
        }
        for band in pairA.indices {
            #expect(abs(pairA[band] - aloneA[band]) <= 1e-9 * max(1, aloneA[band]))
            #expect(abs(pairB[band] - aloneB[band]) <= 1e-9 * max(1, aloneB[band]))
        }
        #expect(unused.allSatisfy { $0 == 0 })
    }
}
