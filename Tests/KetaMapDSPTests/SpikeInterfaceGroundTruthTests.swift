import Foundation
import KetaMapTestSupport
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// The real-time detector against SpikeInterface's ground truth
/// (`generate_ground_truth_recording` with the generator's realistic templates,
/// units from peak SNR 5 to 40) and against SpikeInterface's offline
/// `detect_peaks` (by channel, zero-phase band-pass, same 5 × MAD threshold)
/// on the same int16 samples (`Tests/python/spike_ground_truth.py`).
///
/// Scoring, the same for both detectors: a unit's spike is found when a
/// detection on the unit's peak channel lies within 0.5 ms of it (recall, units
/// of peak SNR ≥ 5); a detection is true when it lies within 0.5 ms of a spike
/// of a unit that is visible on its channel (spike-band SNR ≥ 2.5 there).
/// Both are scored from 1 s on: the real-time noise estimate settles in 0.5 s.
@Suite(.enabled(if: ScipyReference.available, "set KETAMAP_PYTHON to a python with SpikeInterface"))
struct SpikeInterfaceGroundTruthTests {
    static let rate = 30000.0
    static let toleranceFrames = 15  // 0.5 ms
    static let visibleSNR = 2.5
    static let scoredFrom = 30000  // 1 s

    struct Truth: Decodable {
        struct Unit: Decodable {
            var spikes: [Int]
            var peak_channel: Int
            var snr: [Double]
        }
        var frames: Int
        var channels: Int
        var units: [Unit]
        var offline: [[Int]]
    }

    struct Score: CustomStringConvertible {
        var precision: Double
        var recall: Double
        var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }
        var recallBySNR: [(snr: Double, recall: Double)]
        var description: String {
            String(format: "precision %.4f recall %.4f F1 %.4f", precision, recall, f1)
        }
    }

    /// Whether a sorted list holds a value within `toleranceFrames` of `x`.
    static func near(_ sorted: [Int], _ x: Int) -> Bool {
        var lo = 0
        var hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < x - toleranceFrames { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo] <= x + toleranceFrames
    }

    static func score(_ detections: [[Int]], truth: Truth) -> Score {
        let scored = detections.map { $0.filter { $0 >= scoredFrom }.sorted() }
        var detected = 0
        var correct = 0
        for c in 0..<truth.channels {
            let visible = truth.units.filter { $0.snr[c] >= visibleSNR }.flatMap(\.spikes).sorted()
            detected += scored[c].count
            correct += scored[c].filter { near(visible, $0) }.count
        }
        var found = 0
        var total = 0
        var bySNR: [(Double, Double)] = []
        for unit in truth.units where unit.snr[unit.peak_channel] >= 5 {
            let spikes = unit.spikes.filter { $0 >= scoredFrom + toleranceFrames }
            let hits = spikes.filter { near(scored[unit.peak_channel], $0) }.count
            found += hits
            total += spikes.count
            bySNR.append((unit.snr[unit.peak_channel], Double(hits) / Double(max(1, spikes.count))))
        }
        return Score(
            precision: Double(correct) / Double(max(1, detected)), recall: Double(found) / Double(max(1, total)),
            recallBySNR: bySNR.sorted { $0.0 < $1.0 })
    }

    /// Seeds and sizes: (seed, channels, units, seconds).
    static let cases: [(UInt64, Int, Int, Double)] = [(1, 8, 10, 20), (2, 16, 20, 20), (3, 32, 40, 15)]

    @Test(arguments: cases)
    func causalDetectorIsPreciseAndMatchesOfflineF1(seed: UInt64, channels: Int, units: Int, seconds: Double) async throws {
        let folder = try TemporaryFolder("gt")
        let dir = folder.url.appendingPathComponent("out")
        try await ScipyReference.runScript(
            ProcessRunner.pythonScript("spike_ground_truth.py"),
            ["\(seed)", "\(channels)", "\(units)", "\(seconds)", "\(Self.rate)", "\(ProcessorHarness.microvoltsPerCount)", dir.path])
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: dir.appendingPathComponent("truth.json")))
        let raw = try Data(contentsOf: dir.appendingPathComponent("samples.i16"))
        let samples = raw.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }.map { Int16(littleEndian: $0) }
        #expect(samples.count == truth.frames * channels)

        let processor = try SignalProcessor(
            settings: ProcessingSettings(reference: .monopolar),
            format: ProcessorHarness.format(channels: channels, rate: Self.rate),
            montage: ProcessorHarness.montage(ProcessorHarness.microBundle("mHL", count: channels)), maxBlockFrames: 300)
        var collected = ProcessorHarness.Collected()
        ProcessorHarness.run(processor, samples: samples, blockFrames: 300, into: &collected)
        #expect(processor.crossings.droppedRows == 0)
        var realTime = [[Int]](repeating: [], count: channels)
        for crossing in collected.crossings {
            realTime[Int(crossing.event.processedChannel)].append(Int(crossing.event.sampleIndex))
        }

        let ours = Self.score(realTime, truth: truth)
        let offline = Self.score(truth.offline, truth: truth)
        let bins = ours.recallBySNR.map { String(format: "%.1f:%.2f", $0.snr, $0.recall) }.joined(separator: " ")
        print("seed \(seed), \(channels) ch, \(units) units: real-time \(ours); offline \(offline)\n  recall by SNR: \(bins)")
        #expect(ours.precision >= 0.99, "real-time precision \(ours.precision)")
        #expect(ours.f1 >= offline.f1, "real-time F1 \(ours.f1) below SpikeInterface's offline \(offline.f1)")
    }
}
