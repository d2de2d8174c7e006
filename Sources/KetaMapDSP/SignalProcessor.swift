import KetaMapCore

/// The real-time signal processing of one session: the one type the pipeline
/// calls. Everything is designed and allocated in `init`; `process` works in
/// place on preallocated memory, never allocates, locks or waits.
///
/// ```
/// Int16 frames ─► µV, re-reference ─┬─► spike band-pass (Float) ─► running noise ─► threshold, peak, snippet ─► crossings
///  [frame][raw]   [frame][processed] │
///                                    └─► triangular FIR ÷D1, Butterworth low-pass (Float) ÷D2 ─► line canceller (Double) ─┬─► lfp
///                                                                                                         └─► band-pass per band (Double) ─► mean square ─► bandPower
/// raw frames ─► RMS, line-noise share, flat, saturated, spike rate per raw channel (~2 Hz) ─► channelFigures
/// ```
///
/// Call order: `init` (any thread) → `process` for each block in sample order
/// (one processing thread only; a block that does not start where the last one
/// ended is a gap and restarts every stage's memory there) → `reset(atSample:)`
/// when the caller knows of a gap. The four rings are read by one consumer
/// thread each (recorder or status board); a full ring drops the row and counts it.
public final class SignalProcessor: @unchecked Sendable {
    /// The settings this processor was built from (written to the file's metadata).
    public let settings: ProcessingSettings
    /// The input format.
    public let format: SampleFormat
    /// The processed channels: LFP and band-power columns, crossing channel indices.
    public let channels: [ProcessedChannel]
    /// Raw samples per LFP sample.
    public let decimationFactor: Int
    /// LFP rate actually produced, in Hz (`sampleRateHz / decimationFactor`).
    public let lfpRateHz: Double
    /// LFP rows per band-power row.
    public let lfpRowsPerBandPowerRow: Int
    /// Averaging window of each band's power, in seconds (same order as `settings.bands`).
    public let bandPowerWindowSeconds: [Double]
    /// Line frequencies cancelled (nominal mains and harmonics), in Hz.
    public let lineFrequenciesHz: [Double]
    /// Snippet length before / after the peak, in samples.
    public let snippetBeforeFrames: Int
    public let snippetAfterFrames: Int
    /// Largest block `process` takes in one piece (bigger blocks are split).
    public let maxBlockFrames: Int

    /// LFP rows: `[processedChannel]` in µV.
    public let lfp: FeatureRing<LFPRowHeader>
    /// Band-power rows: `[processedChannel][band]` in µV².
    public let bandPower: FeatureRing<BandPowerRowHeader>
    /// Threshold crossings: the waveform in µV, `snippetBeforeFrames + snippetAfterFrames` samples.
    public let crossings: FeatureRing<ThresholdCrossing>
    /// Per raw channel figures: `[rawChannel][ChannelFigure]`.
    public let channelFigures: FeatureRing<ChannelFiguresHeader>

    private let stride: Int
    private let reference: ReferenceStage
    private let detector: ThresholdDetector
    private let decimator: Decimator
    private let lineCanceller: LineCanceller
    private let power: BandPowerStage
    private let figures: ChannelFiguresStage
    /// Re-referenced rows of one block: [maxBlockFrames][stride].
    private let rows: UnsafeMutablePointer<Float>
    /// LFP rows of one block: [maxLFPRows][stride].
    private let lfpRows: UnsafeMutablePointer<Double>
    private let maxLFPRows: Int
    private var nextSample: UInt64?

    /// A processing setup that cannot run.
    public struct SetupError: Error, CustomStringConvertible, Equatable {
        /// What is wrong and what to change.
        public var description: String
        /// The `[processing]` setting at fault, when the source's rate is what it conflicts with.
        public var conflict: ProcessingSettings.RateConflict? = nil
    }

    /// Designs every filter and allocates every buffer.
    ///
    /// - Parameters:
    ///   - settings: `[processing]` of the config.
    ///   - format: channel count, rate (Hz) and calibration of the source.
    ///   - montage: one entry per frame column (same count as `format.channelCount`).
    ///   - maxBlockFrames: the largest block the source delivers (larger ones are split).
    ///   - lfpRingSeconds, crossingRingRows: ring sizes (the consumer must drain faster than this fills).
    /// - Throws: `SetupError` naming the setting to change.
    public init(
        settings: ProcessingSettings, format: SampleFormat, montage: Montage, maxBlockFrames: Int,
        lfpRingSeconds: Double = 2, crossingRingRows: Int = 1 << 15
    ) throws(SetupError) {
        guard montage.channels.count == format.channelCount else {
            throw SetupError(
                description: "the montage lists \(montage.channels.count) channels but the source delivers \(format.channelCount); make channels.tsv match the source")
        }
        guard maxBlockFrames > 0 else { throw SetupError(description: "maxBlockFrames must be positive") }
        let fs = format.sampleRateHz
        if let conflict = settings.rateConflict(atSampleRateHz: fs) { throw SetupError(description: conflict.description, conflict: conflict) }
        let factor = Int((fs / settings.lfpRateHz).rounded())
        let lfpRate = fs / Double(factor)
        let perEstimate = Int((lfpRate / settings.bandPowerRateHz).rounded())
        self.settings = settings
        self.format = format
        self.maxBlockFrames = maxBlockFrames
        decimationFactor = factor
        lfpRateHz = lfpRate
        lfpRowsPerBandPowerRow = perEstimate
        let channels = settings.reference.processedChannels(for: montage)
        self.channels = channels
        stride = paddedChannelCount(channels.count)
        do {
            reference = ReferenceStage(
                channels: channels, reference: settings.reference, montage: montage, format: format, stride: stride)
            let spikeChannels = channels.indices.filter { channels[$0].detectsSpikes }
            // Channels without microwires (an sEEG stream at 2 kHz) detect nothing: the
            // detector they never use gets a spike band below their Nyquist frequency.
            var detection = settings
            if spikeChannels.isEmpty {
                detection.spikeHighHz = min(settings.spikeHighHz, 0.45 * fs)
                detection.spikeLowHz = min(settings.spikeLowHz, 0.5 * detection.spikeHighHz)
            }
            detector = try ThresholdDetector(
                processedIndex: spikeChannels.map { Int32($0) }, settings: detection, sampleRateHz: fs,
                maxBlockFrames: maxBlockFrames)
            decimator = try Decimator(
                sampleRateHz: fs, factor: factor, cutoffHz: 0.4 * lfpRate, order: settings.lfpAntiAliasOrder,
                stride: stride, maxBlockFrames: maxBlockFrames)
            lineCanceller = try LineCanceller(
                lineFrequencyHz: settings.lineFrequencyHz, harmonics: settings.lineHarmonics,
                bandwidthHz: settings.lineBandwidthHz,
                sampleRateHz: lfpRate, stride: stride)
            maxLFPRows = maxBlockFrames / factor + 1
            power = try BandPowerStage(
                bands: settings.bands, order: settings.bandFilterOrder, lfpRateHz: lfpRate, rowsPerEstimate: perEstimate,
                channelCount: channels.count, stride: stride, maxRows: maxLFPRows)
            figures = ChannelFiguresStage(
                format: format, settings: settings, spikeAnodes: spikeChannels.map { channels[$0].anode })
        } catch {
            throw SetupError(description: "processing filter design: \(error.description)")
        }
        lineFrequenciesHz = lineCanceller.frequenciesHz
        bandPowerWindowSeconds = power.windowSeconds
        snippetBeforeFrames = detector.beforeFrames
        snippetAfterFrames = detector.afterFrames

        rows = .allocate(capacity: maxBlockFrames * stride)
        rows.initialize(repeating: 0, count: maxBlockFrames * stride)
        lfpRows = .allocate(capacity: maxLFPRows * stride)
        lfpRows.initialize(repeating: 0, count: maxLFPRows * stride)

        lfp = FeatureRing(rowWidth: channels.count, minimumRows: max(16, Int(lfpRingSeconds * lfpRate)))
        bandPower = FeatureRing(
            rowWidth: channels.count * settings.bands.count,
            minimumRows: max(16, Int(lfpRingSeconds * settings.bandPowerRateHz) * 4))
        crossings = FeatureRing(rowWidth: detector.beforeFrames + detector.afterFrames, minimumRows: crossingRingRows)
        channelFigures = FeatureRing(rowWidth: format.channelCount * ChannelFigure.allCases.count, minimumRows: 16)
    }

    deinit {
        rows.deallocate()
        lfpRows.deallocate()
    }

    /// The running band-power estimate of processed channel `channel` in band
    /// `band` (index into `settings.bands`), in µV². Processing thread only.
    public func currentBandPower(channel: Int, band: Int) -> Double { power.current(channel: channel, band: band) }

    /// Forgets all filter memory and estimates: the next block starts at `sample`
    /// (after a gap). Processing thread only.
    public func reset(atSample sample: UInt64) {
        detector.reset(atSample: sample)
        decimator.reset()
        lineCanceller.reset()
        power.reset()
        figures.reset(atSample: sample, eventCounts: detector.eventCounts, spikeChannelCount: detector.channelCount)
        nextSample = sample
    }

    /// Processes whole interleaved frames `[frame][rawChannel]` whose first frame
    /// is sample `firstSample`, and publishes what they complete to the rings.
    ///
    /// Processing thread only; no allocation, no lock. A block that does not
    /// start where the previous one ended restarts the stages at `firstSample`.
    public func process(_ frames: UnsafeBufferPointer<Int16>, firstSample: UInt64) {
        let c = format.channelCount
        precondition(frames.count % c == 0, "process takes whole frames")
        guard let base = frames.baseAddress else { return }
        if nextSample != firstSample { reset(atSample: firstSample) }
        let total = frames.count / c
        var done = 0
        while done < total {
            let n = min(maxBlockFrames, total - done)
            processPiece(base + done * c, frames: n, firstSample: firstSample + UInt64(done))
            done += n
        }
        nextSample = firstSample + UInt64(total)
    }

    private func processPiece(_ input: UnsafePointer<Int16>, frames n: Int, firstSample: UInt64) {
        reference.process(input, frames: n, into: rows)
        detector.process(rows, sourceStride: stride, frames: n, crossings: crossings)
        figures.process(input, frames: n, firstSample: firstSample, eventCounts: detector.eventCounts, ring: channelFigures)
        let (lfpCount, firstRow) = decimator.process(rows, frames: n, firstSample: firstSample, into: lfpRows)
        guard lfpCount > 0 else { return }
        lineCanceller.process(lfpRows, rows: lfpCount)
        let p = channels.count
        let stride = stride
        let lfpRows = lfpRows
        for r in 0..<lfpCount {
            lfp.push(LFPRowHeader(row: firstRow + UInt64(r))) { out in
                let src = lfpRows + r * stride
                for i in 0..<p { out[i] = Float(src[i]) }
            }
        }
        power.process(lfpRows, rows: lfpCount, firstRow: firstRow, ring: bandPower)
    }
}
