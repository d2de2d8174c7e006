import KetaMapCore

/// Spike detection on the channels that ask for it (microwires).
///
/// Per block: the spike channels are copied into a ring of spike-band rows
/// and band-passed there (Butterworth `spikeLowHz`–`spikeHighHz`, order
/// `spikeFilterOrder` per edge, `Float`); the running noise is updated; then
/// the rows whose snippet is complete are scanned. A crossing is the first
/// sample beyond `k × σ` (negative, positive or either, per `spikePolarity`)
/// after one that was not, outside the refractory period. Its peak (the most
/// extreme sample within the refractory length from the crossing) is the
/// spike time, provided no sample in the refractory length before it is more
/// extreme (so the later lobes of a large band-passed spike are not counted
/// again); the snippet runs from `before` samples ahead of the peak to `after`
/// samples past it. The next crossing counts from `peak + refractory`.
///
/// Detection starts once the noise estimate has settled (half a second after
/// a start or a gap). Events go to a `FeatureRing<ThresholdCrossing>`.
final class ThresholdDetector {
    let channelCount: Int
    let stride: Int
    let beforeFrames: Int
    let afterFrames: Int
    /// Peak search and refractory length, in samples.
    let refractoryFrames: Int
    let thresholdK: Float
    let polarity: ProcessingSettings.Polarity
    let noise: RunningNoise
    /// Crossings per spike channel since the status board last took them.
    let eventCounts: UnsafeMutablePointer<Int>
    private let processedIndex: [Int32]
    /// Set when the spike channels are consecutive processed channels (a plain copy).
    private let contiguousFrom: Int?
    private let filter: BiquadCascade<FloatVector>
    private let ring: UnsafeMutablePointer<Float>
    private let ringFrames: Int
    /// Per spike channel: 1 when the last scanned sample was beyond the threshold.
    private let beyondBefore: UnsafeMutablePointer<UInt8>
    /// Per spike channel: 1 where the current row starts a crossing (scratch).
    private let onsets: UnsafeMutablePointer<UInt8>
    /// Per spike channel: the threshold in µV for the current scan (positive).
    private let thresholds: UnsafeMutablePointer<Float>
    private let refractoryUntil: UnsafeMutablePointer<UInt64>
    private let settleFrames: UInt64
    /// Next sample index to write into the ring.
    private(set) var written: UInt64 = 0
    /// Next sample index to scan.
    private var scanned: UInt64 = 0
    /// Scanning starts here (after the noise estimate settles).
    private var detectFrom: UInt64 = 0

    init(
        processedIndex: [Int32], settings: ProcessingSettings, sampleRateHz fs: Double, maxBlockFrames: Int
    ) throws(FilterDesign.DesignError) {
        channelCount = processedIndex.count
        self.processedIndex = processedIndex
        let first = Int(processedIndex.first ?? 0)
        // Reading whole vectors straight from the rows needs a vector-aligned start.
        contiguousFrom =
            first % processingLanes == 0
                && processedIndex.enumerated().allSatisfy { Int($0.element) == first + $0.offset } ? first : nil
        stride = paddedChannelCount(processedIndex.count)
        beforeFrames = max(0, Int((settings.snippetBeforeMilliseconds * fs / 1000).rounded()))
        afterFrames = max(1, Int((settings.snippetAfterMilliseconds * fs / 1000).rounded()))
        refractoryFrames = max(1, Int((settings.spikeRefractoryMilliseconds * fs / 1000).rounded()))
        thresholdK = Float(settings.spikeThresholdK)
        polarity = settings.spikePolarity
        let sections = try FilterDesign.butterworth(
            order: settings.spikeFilterOrder, .bandPass(lowHz: settings.spikeLowHz, highHz: settings.spikeHighHz),
            sampleRateHz: fs)
        filter = BiquadCascade(sections: sections, stride: stride)
        noise = RunningNoise(stride: stride, windowSeconds: settings.noiseWindowSeconds, sampleRateHz: fs)
        var capacity = 1
        while capacity < maxBlockFrames + max(beforeFrames, refractoryFrames) + refractoryFrames + afterFrames + 2 {
            capacity <<= 1
        }
        ringFrames = capacity
        ring = .allocate(capacity: capacity * stride)
        ring.initialize(repeating: 0, count: capacity * stride)
        beyondBefore = .allocate(capacity: stride)
        beyondBefore.initialize(repeating: 1, count: stride)
        onsets = .allocate(capacity: stride)
        onsets.initialize(repeating: 0, count: stride)
        thresholds = .allocate(capacity: stride)
        thresholds.initialize(repeating: 0, count: stride)
        refractoryUntil = .allocate(capacity: stride)
        refractoryUntil.initialize(repeating: 0, count: stride)
        eventCounts = .allocate(capacity: max(1, channelCount))
        eventCounts.initialize(repeating: 0, count: max(1, channelCount))
        settleFrames = UInt64((0.5 * fs).rounded())
    }

    deinit {
        ring.deallocate()
        beyondBefore.deallocate()
        onsets.deallocate()
        thresholds.deallocate()
        refractoryUntil.deallocate()
        eventCounts.deallocate()
    }

    /// Forgets the filter, noise and scan state; the next block starts at `sample`.
    func reset(atSample sample: UInt64) {
        filter.reset()
        noise.reset()
        ring.update(repeating: 0, count: ringFrames * stride)
        beyondBefore.update(repeating: 1, count: stride)
        refractoryUntil.update(repeating: 0, count: stride)
        written = sample
        scanned = sample
        detectFrom = sample + settleFrames
    }

    /// Takes `frames` re-referenced rows (`sourceStride` floats apart), filters
    /// the spike channels, and pushes every crossing whose snippet is now complete.
    /// Processing thread only.
    func process(
        _ rows: UnsafePointer<Float>, sourceStride: Int, frames: Int, crossings: FeatureRing<ThresholdCrossing>
    ) {
        guard channelCount > 0 else { return }
        precondition(frames <= ringFrames - (max(beforeFrames, refractoryFrames) + refractoryFrames + afterFrames + 2))
        // Filter into the ring (straight from the rows when the spike channels are
        // consecutive, else through a gather), then update the noise, over at most
        // two contiguous runs of ring slots.
        let mask = UInt64(ringFrames - 1)
        var done = 0
        while done < frames {
            let slot = Int((written + UInt64(done)) & mask)
            let n = min(frames - done, ringFrames - slot)
            let dst = ring + slot * stride
            if let first = contiguousFrom {
                filter.process(from: rows + done * sourceStride + first, stride: sourceStride, into: dst, frames: n)
            } else {
                for f in 0..<n {
                    let src = rows + (done + f) * sourceStride
                    let row = dst + f * stride
                    for j in 0..<channelCount { row[j] = src[Int(processedIndex[j])] }
                }
                filter.process(dst, frames: n)
            }
            noise.update(dst, frames: n)
            done += n
        }
        written += UInt64(frames)
        scan(crossings: crossings)
    }

    private func scan(crossings: FeatureRing<ThresholdCrossing>) {
        // A crossing at f needs samples up to f + refractory − 1 + after − 1.
        let need = UInt64(refractoryFrames + afterFrames - 1)
        guard written > need else { return }
        let end = written - need
        if scanned < detectFrom { scanned = min(detectFrom, end) }
        guard scanned < end else { return }
        let mask = UInt64(ringFrames - 1)
        // Threshold per channel, in µV: k × median(|x|) / 0.6745.
        let medians = UnsafeRawPointer(noise.median).assumingMemoryBound(to: Float.self)
        let scale = thresholdK / 0.6745
        let n = channelCount
        for i in 0..<n { thresholds[i] = medians[i] * scale }
        // Negative spikes are found as positive excursions of −x.
        let sign: Float = polarity == .positive ? 1 : -1
        let both = polarity == .both
        var f = scanned
        while f < end {
            let x = ring + Int(f & mask) * stride
            // Branch-free pass (vectorised): onsets and the new "beyond" state.
            var anyOnset: UInt8 = 0
            if both {
                for i in 0..<n {
                    let beyond: UInt8 = abs(x[i]) > thresholds[i] ? 1 : 0
                    let onset = beyond & ~beyondBefore[i]
                    onsets[i] = onset
                    anyOnset |= onset
                    beyondBefore[i] = beyond
                }
            } else {
                for i in 0..<n {
                    let beyond: UInt8 = sign * x[i] > thresholds[i] ? 1 : 0
                    let onset = beyond & ~beyondBefore[i]
                    onsets[i] = onset
                    anyOnset |= onset
                    beyondBefore[i] = beyond
                }
            }
            if anyOnset != 0 {
                for j in 0..<n where onsets[j] != 0 && f >= refractoryUntil[j] {
                    emit(channel: j, crossingAt: f, crossings: crossings)
                }
            }
            f += 1
        }
        scanned = end
    }

    private func emit(channel j: Int, crossingAt f: UInt64, crossings: FeatureRing<ThresholdCrossing>) {
        let mask = UInt64(ringFrames - 1)
        let ring = ring
        let stride = stride
        func value(_ i: UInt64) -> Float { ring[Int(i & mask) * stride + j] }
        var peak = f
        var best = value(f)
        for i in f..<(f + UInt64(refractoryFrames)) {
            let x = value(i)
            let better: Bool
            switch polarity {
            case .negative: better = x < best
            case .positive: better = x > best
            case .both: better = abs(x) > abs(best)
            }
            if better {
                best = x
                peak = i
            }
        }
        refractoryUntil[j] = peak + UInt64(refractoryFrames)
        // A peak must also be the most extreme sample of the refractory length
        // before it: the later lobes of a large spike's band-passed waveform
        // are not spikes of their own.
        for i in (peak &- UInt64(refractoryFrames))..<peak {
            let x = value(i)
            let beaten: Bool
            switch polarity {
            case .negative: beaten = x < best
            case .positive: beaten = x > best
            case .both: beaten = abs(x) > abs(best)
            }
            if beaten { return }
        }
        eventCounts[j] += 1
        let before = UInt64(beforeFrames)
        let width = beforeFrames + afterFrames
        crossings.push(
            ThresholdCrossing(sampleIndex: peak, processedChannel: processedIndex[j], amplitudeMicrovolts: best)
        ) { out in
            for i in 0..<width {
                // Samples before the ring's start (right after a reset) read as the oldest kept, which is 0.
                let index = peak &+ UInt64(i) &- before
                out[i] = ring[Int(index & mask) * stride + j]
            }
        }
    }
}
