import KetaMapCore
import Synchronization

#if canImport(Glibc)
import Glibc
import KetaMapDSP
import KetaMapConfiguration
#endif

/// The built-in signal generator: a seeded, deterministic depth-electrode
/// recording that responds to doses.
///
/// Per channel, in µV:
/// ```
///   LFP (made at ~2 kHz by spectral synthesis, `SpectralLFP`; linearly interpolated to the sample rate)
///     spectrum = 1/f² background + the region's rhythm peaks (theta, alpha, beta, gamma),
///                each changed band's own component × gain(band, t)
///   + broadband noise (2.5 µV on SEEG, 10 µV on microwires; ×4 on bad contacts)
///   + line noise (fundamental + 15 % third harmonic, same phase on every channel)
///   + artifacts (decaying pops on one shaft, `artifactsPerMinute` over the montage)
///   + spikes of `unitsPerMicrowire` units on each MICRO channel (`groundTruth(in:)`)
/// ```
/// `gain(band, t) = 10^(dB × E(t) / 20)`, where dB is the sum of the configured
/// `DoseEffect`s matching the channel's region and band, and `E(t)` is the
/// `DrugEffectCurve`'s saturating effect of the concentration summed over the
/// doses given to `administer(_:)` (by amount in mg/kg and infusion time
/// course; 1 at the peak of a 0.5 mg/kg bolus).
///
/// The samples depend only on the seed, the montage, the settings and the
/// doses (with their sample indices): not on block sizes or timing. (The LFP
/// is made in segments of about 1 s, each with the effect at its centre, about
/// 0.5 s ahead of the block being read: a dose given while the source runs
/// reaches the signal within that lag; give doses before `start()` for
/// bit-exact repeatability.) Spikes and artifacts do not depend on doses. Stored as
/// `Int16` at `microvoltsPerBit` (default 0.195 µV, as Intan headstages),
/// ±6.4 mV full scale: normal signals never clip.
///
/// Threads: `start()`, `read(into:)` and `stop()` on the acquisition thread;
/// `administer(_:)` and `withdraw(eventID:)` from any thread. `read` neither locks nor allocates: it
/// checks an atomic generation and takes the lock only when a dose came in.
public final class SimulatedSource: Source, @unchecked Sendable {
    public let format: SampleFormat
    public let provenance: [String: String]
    /// The montage the channels follow (frame column `i` is `montage.channels[i]`).
    public let montage: Montage
    /// The units placed on microwires, with their templates.
    public var units: [SimulatedUnit] { spikeTrains.units }
    /// The drug-effect time course applied after each dose.
    public let effectCurve: DrugEffectCurve
    /// Frames per `read` (the last one may be shorter when the buffer is).
    public let framesPerBlock: Int
    /// Real time (the daemon's default) or as fast as possible (tests, `--as-fast-as-possible`).
    public let pacing: SourcePacing

    private let settings: SimulatorSettings
    private let bands: [ProcessingSettings.Band]
    private let channelCount: Int
    private let bandCount: Int
    private let decimation: Int
    private let countsPerMicrovolt: Float
    private let spikeTrains: SpikeTrains

    private let lfp: SpectralLFP
    /// Per channel × band: configured effect at peak, in dB.
    private let peakDecibels: UnsafeMutablePointer<Double>
    // Per channel: interpolation base and slope, broadband noise and line amplitudes.
    private let lfpBase: UnsafeMutablePointer<Float>
    private let lfpSlope: UnsafeMutablePointer<Float>
    private let lfpNext: UnsafeMutablePointer<Float>
    private let thermal: UnsafeMutablePointer<Float>
    private let line: UnsafeMutablePointer<Float>
    /// µV of one block, interleaved, before quantisation.
    private let scratch: UnsafeMutablePointer<Float>

    // Artifacts: channels of each group.
    private let groupChannels: [[Int]]

    // Generator state (acquisition thread only).
    private var highRandom: SimulationRandom
    private var phaseCos = 1.0
    private var phaseSin = 0.0
    private let rotationCos: Double
    private let rotationSin: Double
    private var lowCounter = 0
    private var nextSample: UInt64 = 0
    private var started = false
    private var stopped = false
    private var pacer: RealTimePacer

    // Doses: written by any thread under the mutex, noticed by `read` through the generation.
    private let doses = Mutex<[SimulatedDose]>([])
    private let doseGeneration = Atomic<UInt64>(0)
    private var seenGeneration: UInt64 = 0
    /// The acquisition thread's copy of `doses`.
    private var knownDoses: [SimulatedDose] = []

    /// The simulator for a configuration: its montage, source rate and block size, bands and `[simulator]` settings.
    public convenience init(configuration: Configuration, pacing: SourcePacing = .realTime) {
        self.init(
            montage: configuration.montage, sampleRateHz: configuration.source.sampleRateHz, settings: configuration.simulator,
            bands: configuration.processing.bands, framesPerBlock: configuration.source.framesPerBlock, pacing: pacing)
    }

    /// A simulator for `montage` at `sampleRateHz` (Hz), with `settings`; `bands` name the bands that effects and rhythms refer to.
    /// `framesPerBlock` defaults to 10 ms; `microvoltsPerBit` to 0.195 µV.
    public init(
        montage: Montage, sampleRateHz: Double, settings: SimulatorSettings, bands: [ProcessingSettings.Band] = ProcessingSettings.defaultBands,
        framesPerBlock: Int? = nil, pacing: SourcePacing = .realTime, microvoltsPerBit: Double = 0.195
    ) {
        precondition(!montage.channels.isEmpty, "the simulator needs at least one channel")
        precondition(sampleRateHz >= 100, "the simulator runs at 100 Hz or more")
        self.montage = montage
        self.settings = settings
        self.bands = bands
        self.pacing = pacing
        channelCount = montage.channels.count
        bandCount = bands.count
        self.framesPerBlock = framesPerBlock ?? max(1, Int((sampleRateHz / 100).rounded()))
        countsPerMicrovolt = Float(1 / microvoltsPerBit)
        format = SampleFormat(
            channelCount: channelCount, sampleRateHz: sampleRateHz,
            calibration: Calibration(voltsPerCount: microvoltsPerBit * 1e-6, channelGains: Array(repeating: 1, count: channelCount)))
        effectCurve = DrugEffectCurve(settings: settings)
        spikeTrains = SpikeTrains(montage: montage, sampleRateHz: sampleRateHz, settings: settings)
        decimation = max(1, Int(sampleRateHz / 2000))
        let lowRate = sampleRateHz / Double(decimation)

        let cells = max(1, channelCount * bandCount)
        peakDecibels = .allocate(capacity: cells)
        lfpBase = .allocate(capacity: channelCount)
        lfpBase.initialize(repeating: 0, count: channelCount)
        lfpSlope = .allocate(capacity: channelCount)
        lfpSlope.initialize(repeating: 0, count: channelCount)
        lfpNext = .allocate(capacity: channelCount)
        lfpNext.initialize(repeating: 0, count: channelCount)
        thermal = .allocate(capacity: channelCount)
        line = .allocate(capacity: channelCount)
        scratch = .allocate(capacity: self.framesPerBlock * channelCount)

        var profiles: [SimulatedChannelProfile] = []
        for (c, channel) in montage.channels.enumerated() {
            let profile = SimulatedChannelProfile(channel: channel, index: c, bands: bands, settings: settings)
            for b in 0..<bandCount { peakDecibels[c * bandCount + b] = profile.peakEffectDecibels[b] }
            thermal[c] = Float(profile.thermalMicrovolts)
            line[c] = Float(profile.lineMicrovolts)
            profiles.append(profile)
        }
        lfp = SpectralLFP(profiles: profiles, bands: bands.map { ($0.lowHz, $0.highHz) }, rateHz: lowRate, seed: settings.seed)
        groupChannels = montage.groups.map { group in montage.channels.indices.filter { montage.channels[$0].group == group.name } }
            .filter { !$0.isEmpty }

        let omega = 2 * Double.pi * settings.lineFrequencyHz / sampleRateHz
        rotationCos = cos(omega)
        rotationSin = sin(omega)
        highRandom = SimulationRandom(seed: settings.seed, stream: 2)
        pacer = RealTimePacer(rateHz: sampleRateHz)
        knownDoses.reserveCapacity(64)
        provenance = [
            "source": "simulated", "generator": "KetaMap SimulatedSource (1/f² bands, region rhythms, line noise, artifacts, spikes)",
            "seed": String(settings.seed), "microvolts_per_bit": String(microvoltsPerBit), "line_frequency_hz": String(settings.lineFrequencyHz),
            "units": String(spikeTrains.units.count), "effect_onset_s": String(settings.onsetSeconds),
            "effect_peak_s": String(settings.peakSeconds), "effect_half_life_s": String(settings.halfLifeSeconds),
        ]
        advanceLowRate()
    }

    deinit {
        peakDecibels.deallocate()
        lfpBase.deallocate()
        lfpSlope.deallocate()
        lfpNext.deallocate()
        thermal.deallocate()
        line.deallocate()
        scratch.deallocate()
    }

    // MARK: - Source

    public func start() {
        precondition(!started, "start() is called once")
        started = true
        pacer.start()
    }

    public func read(into buffer: UnsafeMutableBufferPointer<Int16>) -> SourceRead {
        precondition(started, "call start() before read(into:)")
        if stopped { return .end }
        let frames = min(framesPerBlock, buffer.count / channelCount)
        precondition(frames > 0, "the buffer holds less than one frame")
        let first = nextSample
        refreshDoses()
        generate(frames: frames)
        spikeTrains.add(into: scratch, channelCount: channelCount, first: first, frames: frames)
        addArtifacts(first: first, frames: frames)
        quantise(frames: frames, into: buffer.baseAddress!)
        nextSample = first + UInt64(frames)
        if pacing == .realTime { pacer.wait(untilSample: nextSample) }
        return .frames(firstSample: first, frameCount: frames)
    }

    public func stop() {
        stopped = true
    }

    // MARK: - Doses and ground truth

    /// Applies `dose` from its `sampleIndex` on, by its amount in mg/kg and, for
    /// an infusion, its duration (any thread; takes effect from the next block).
    public func administer(_ dose: DoseEvent) {
        let given = SimulatedDose(
            eventID: dose.eventID, startSample: dose.sampleIndex, milligramsPerKilogram: dose.normalized.milligramsPerKilogram,
            infusionSeconds: dose.request.route == .ivInfusion ? dose.request.overSeconds : nil)
        changeDoses { $0.append(given) }
    }

    /// Takes back the dose recorded as `eventID` (it was voided: it was not given as recorded).
    public func withdraw(eventID: UInt64) {
        changeDoses { $0.removeAll { $0.eventID == eventID } }
    }

    private func changeDoses(_ change: (inout [SimulatedDose]) -> Void) {
        doses.withLock { change(&$0) }
        // Pairs with the `.acquiring` load in `refreshDoses()`.
        doseGeneration.add(1, ordering: .releasing)
    }

    /// The drug effect at `sample` for the doses given so far: 0 = none, 1 = the
    /// 0.5 mg/kg reference bolus at its peak, saturating above.
    public func drugEffect(atSample sample: UInt64) -> Double {
        doses.withLock { summedEffect($0, atSample: sample) }
    }

    /// The effect of the summed concentration of `doses` at `sample`.
    private func summedEffect(_ doses: [SimulatedDose], atSample sample: UInt64) -> Double {
        let rate = format.sampleRateHz
        var concentration = 0.0
        for dose in doses where sample >= dose.startSample {
            concentration += effectCurve.concentration(
                secondsSinceStart: Double(sample - dose.startSample) / rate, milligramsPerKilogram: dose.milligramsPerKilogram,
                infusionSeconds: dose.infusionSeconds)
        }
        return effectCurve.effect(concentration: concentration)
    }

    /// The band-power change, in dB, that the simulator applies to `channel` in `band` at `sample`.
    public func effectDecibels(channel: Int, band: String, atSample sample: UInt64) -> Double {
        guard let b = bands.firstIndex(where: { $0.name == band }) else { return 0 }
        return peakDecibels[channel * bandCount + b] * drugEffect(atSample: sample)
    }

    /// Every spike whose peak lies in `range` (sample indices), ordered by time.
    public func groundTruth(in range: Range<UInt64>) -> [GroundTruthSpike] {
        spikeTrains.spikes(in: range)
    }

    // MARK: - Generation (acquisition thread)

    /// Copies the dose list when `administer(_:)` has changed it (the lock is taken only then).
    private func refreshDoses() {
        // Pairs with the `.releasing` add in `administer(_:)`.
        let generation = doseGeneration.load(ordering: .acquiring)
        guard generation != seenGeneration else { return }
        seenGeneration = generation
        doses.withLock { doses in
            knownDoses.removeAll(keepingCapacity: true)
            knownDoses.append(contentsOf: doses)
        }
    }

    /// Takes the next low-rate LFP sample of every channel and sets the interpolation towards it.
    private func advanceLowRate() {
        if lfp.needsEffect {
            lfp.aim(effect: summedEffect(knownDoses, atSample: lfp.nextEffectSample * UInt64(decimation)))
        }
        if lfp.needsSegment { lfp.synthesize() }
        let scale = 1 / Float(decimation)
        let base = lfpBase, next = lfpNext, slope = lfpSlope
        for c in 0..<channelCount { base[c] = next[c] }
        lfp.next(into: next)
        for c in 0..<channelCount { slope[c] = (next[c] - base[c]) * scale }
    }

    private func generate(frames: Int) {
        let channels = channelCount
        let base = lfpBase, slope = lfpSlope, thermal = thermal, line = line, scratch = scratch
        var c0 = phaseCos, s0 = phaseSin
        let rc = rotationCos, rs = rotationSin
        for frame in 0..<frames {
            if lowCounter == 0 { advanceLowRate() }
            let position = Float(lowCounter)
            lowCounter += 1
            if lowCounter == decimation { lowCounter = 0 }
            let sine = Float(s0)
            let mains = sine + 0.15 * (3 * sine - 4 * sine * sine * sine)
            let row = scratch + frame * channels
            var random = highRandom
            for c in 0..<channels {
                row[c] = base[c] + slope[c] * position + random.normal() * thermal[c] + mains * line[c]
            }
            highRandom = random
            let c1 = c0 * rc - s0 * rs
            s0 = s0 * rc + c0 * rs
            c0 = c1
        }
        // Keep the phasor on the unit circle.
        let norm = 1 / (c0 * c0 + s0 * s0).squareRoot()
        phaseCos = c0 * norm
        phaseSin = s0 * norm
    }

    /// The artifact of one-second `window`, if there is one: decaying pops (τ 40 ms, 0.3–1.2 mV)
    /// on all contacts of one group, placed by a hash of (seed, window), the same at any block size.
    private func artifact(window: UInt64) -> SimulatedArtifact? {
        let probability = settings.artifactsPerMinute / 60
        guard probability > 0, !groupChannels.isEmpty else { return nil }
        guard SimulationRandom.unit(settings.seed, 0xA271, window) < probability else { return nil }
        let second = UInt64(format.sampleRateHz.rounded())
        let bits = SimulationRandom.hash(settings.seed, 0xA272, window)
        let group = Int((bits >> 32) % UInt64(groupChannels.count))
        let amplitude = (300 + 900 * SimulationRandom.unit(settings.seed, 0xA273, window)) * ((bits >> 63) == 0 ? 1 : -1)
        return SimulatedArtifact(
            onsetSample: window * second + bits % second, channels: groupChannels[group], peakMicrovolts: amplitude,
            decaySeconds: 0.04)
    }

    /// Every artifact whose onset lies in `range` (sample indices), ordered by time.
    public func artifacts(in range: Range<UInt64>) -> [SimulatedArtifact] {
        guard !range.isEmpty else { return [] }
        let second = UInt64(format.sampleRateHz.rounded())
        return (range.lowerBound / second...(range.upperBound - 1) / second).compactMap { artifact(window: $0) }
            .filter { range.contains($0.onsetSample) }
    }

    private func addArtifacts(first: UInt64, frames: Int) {
        guard settings.artifactsPerMinute > 0 else { return }
        let rate = format.sampleRateHz
        let second = UInt64(rate.rounded())
        let tau = 0.04 * rate
        let length = UInt64(6 * tau)
        let end = first + UInt64(frames)
        let firstWindow = (first > length ? first - length : 0) / second
        let lastWindow = (end - 1) / second
        for window in firstWindow...lastWindow {
            guard let artifact = artifact(window: window) else { continue }
            let onset = artifact.onsetSample
            let from = max(first, onset)
            let to = min(end, onset + length)
            guard from < to else { continue }
            let amplitude = Float(artifact.peakMicrovolts)
            for sample in from..<to {
                let value = amplitude * Float(exp(-Double(sample - onset) / tau))
                let row = scratch + Int(sample - first) * channelCount
                for (k, c) in artifact.channels.enumerated() { row[c] += value * (1 - 0.04 * Float(k)) }
            }
        }
    }

    private func quantise(frames: Int, into out: UnsafeMutablePointer<Int16>) {
        let k = countsPerMicrovolt
        let scratch = scratch
        for i in 0..<(frames * channelCount) {
            // Clamp, then round half away from zero by truncation (`rounded()` may call libm on baseline x86-64).
            // A NaN (an effect summed past Float's range after thousands of doses) becomes 0, never a trap.
            let scaled = scratch[i] * k
            let v = scaled.isNaN ? 0 : min(max(scaled, -32768), 32767)
            out[i] = Int16(v < 0 ? v - 0.5 : v + 0.5)
        }
    }
}

/// A dose as the simulated subject receives it.
private struct SimulatedDose: Sendable {
    var eventID: UInt64
    var startSample: UInt64
    var milligramsPerKilogram: Double
    /// Nil for a bolus.
    var infusionSeconds: Double?
}
